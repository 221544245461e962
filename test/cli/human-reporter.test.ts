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
