import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatProgress } from '../../src/cli/progress-line.js';

describe('progress line', () => {
  it('shows count, rate and ETA when the total is known', () => {
    expect(formatProgress({ stage: 'ingest', done: 2_500_000, total: 10_000_000, unit: 'rows', elapsedMs: 2000 })).toBe(
      'ingest: 2.5M/10.0M rows · 1.3M rows/s · ETA 6s',
    );
  });
  it('leaves out rate for epochs and ETA when the total is unknown', () => {
    expect(formatProgress({ stage: 'train', done: 50, unit: 'epochs', elapsedMs: 500, detail: 'loss 0.12' })).toBe('train: 50 epochs · loss 0.12');
  });
  it('shows the latest loss and validation loss on the training line', () => {
    expect(formatProgress({ stage: 'train', done: 120, total: 200, unit: 'epochs', elapsedMs: 1200, metrics: { loss: 0.041234, val_loss: 0.05 } })).toBe(
      'train: 120/200 epochs · ETA 1s · loss 0.04123 · val_loss 0.05',
    );
    expect(formatProgress({ stage: 'train', done: 900, unit: 'epochs', elapsedMs: 1, metrics: { loss: 0.0000947 } })).toBe('train: 900 epochs · loss 9.470e-5');
  });
  it('formats counts and durations compactly', () => {
    expect([formatCount(999), formatCount(12_345), formatCount(3_400_000), formatCount(2e9)]).toEqual(['999', '12k', '3.4M', '2.0G']);
    expect([formatDuration(400), formatDuration(61_000), formatDuration(3_720_000)]).toEqual(['1s', '1m01s', '1h02m']);
  });
});
