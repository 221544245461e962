import { describe, expect, it } from 'vitest';
import { newExperimentId, newRunId, randomRunName } from '../../../src/tracking/file-store/ids.js';

describe('ids', () => {
  it('makes 18-digit experiment ids without a leading zero, like MLflow 2.12', () => {
    const ids = Array.from({ length: 200 }, newExperimentId);
    for (const id of ids) expect(id).toMatch(/^[1-9][0-9]{17}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('makes 32-hex run ids', () => {
    const ids = Array.from({ length: 200 }, newRunId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('makes adjective-noun-number run names', () => {
    for (let i = 0; i < 50; i += 1) expect(randomRunName()).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
  });
});
