import { describe, expect, it } from 'vitest';
import { LineReporter, formatEvent } from '../../src/cli/human-reporter.js';

describe('LineReporter', () => {
  it('writes one line per stage event and log', () => {
    const lines: string[] = [];
    const r = new LineReporter((t) => lines.push(t));
    r.report({ type: 'stage-start', stage: 'train' });
    r.report({ type: 'log', stage: 'train', message: '200 epochs' });
    r.report({ type: 'stage-end', stage: 'train', status: 'succeeded', durationMs: 12 });
    expect(lines).toEqual(['▶ train\n', '  train: 200 epochs\n', '✔ train succeeded in 12 ms\n']);
  });

  it('in quiet mode keeps only failures', () => {
    const lines: string[] = [];
    const r = new LineReporter((t) => lines.push(t), true);
    r.report({ type: 'stage-start', stage: 'ingest' });
    r.report({ type: 'stage-end', stage: 'ingest', status: 'failed', durationMs: 3, error: 'no folder' });
    expect(lines).toEqual(['✖ ingest failed in 3 ms: no folder\n']);
  });

  it('marks skipped stages without a duration', () => {
    expect(formatEvent({ type: 'stage-end', stage: 'deploy', status: 'skipped', durationMs: 0 })).toBe('· deploy skipped');
  });
});

describe('LineReporter progress', () => {
  it('redraws one live line on a terminal and clears it before the next plain line', () => {
    let out = '';
    let t = 0;
    const r = new LineReporter((s) => (out += s), { tty: true, now: () => t });
    r.report({ type: 'progress', stage: 'score', done: 0, total: 4_000_000, unit: 'rows' });
    t = 1000;
    r.report({ type: 'progress', stage: 'score', done: 1_000_000, total: 4_000_000, unit: 'rows' });
    r.report({ type: 'stage-end', stage: 'score', status: 'succeeded', durationMs: 1500 });
    expect(out).toBe(
      '\r\x1b[2K  score: 0/4.0M rows' + '\r\x1b[2K  score: 1.0M/4.0M rows · 1.0M rows/s · ETA 3s' + '\r\x1b[2K' + '✔ score succeeded in 1500 ms\n',
    );
  });

  it('redraws the live line at most every 50 ms, and always for the last event', () => {
    let out = '';
    let t = 0;
    const r = new LineReporter((s) => (out += s), { tty: true, now: () => t });
    for (let epoch = 1; epoch <= 200; epoch++) {
      t = epoch;
      r.report({ type: 'progress', stage: 'train', done: epoch, total: 200, unit: 'epochs' });
    }
    // t runs from 1 to 200 ms: drawn at 1, 51, 101, 151 and for the final epoch.
    expect(out.split('\r\x1b[2K').filter(Boolean)).toEqual(['  train: 1/200 epochs', '  train: 51/200 epochs · ETA 1s', '  train: 101/200 epochs · ETA 1s', '  train: 151/200 epochs · ETA 1s', '  train: 200/200 epochs']);
  });

  it('prints plain progress lines at most once per interval, and always the last one', () => {
    const lines: string[] = [];
    let t = 0;
    const r = new LineReporter((s) => lines.push(s), { plainIntervalMs: 5000, now: () => t });
    for (let epoch = 1; epoch <= 200; epoch++) {
      t = epoch * 100;
      r.report({ type: 'progress', stage: 'train', done: epoch, total: 200, unit: 'epochs', detail: `loss ${(1 / epoch).toFixed(3)}` });
    }
    // t runs from 100 to 20,000 ms: printed at 100, 5100, 10100, 15100, and the final epoch.
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('  train: 200/200 epochs · loss 0.005\n');
  });
});
