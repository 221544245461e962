import { describe, expect, it } from 'vitest';
import { chunkLogBatch } from '../../../src/tracking/rest/batching.js';

const metrics = (count: number) => Array.from({ length: count }, (_, step) => ({ key: 'm', value: step, timestamp: step, step }));
const record = (count: number, prefix: string) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, String(i)]));

describe('chunkLogBatch', () => {
  it('keeps each request within 1000 metrics, 100 params, 100 tags and 1000 entities', () => {
    const chunks = chunkLogBatch({ metrics: metrics(2_500), params: record(250, 'p'), tags: record(120, 't') });
    for (const chunk of chunks) {
      expect(chunk.metrics.length).toBeLessThanOrEqual(1_000);
      expect(chunk.params.length).toBeLessThanOrEqual(100);
      expect(chunk.tags.length).toBeLessThanOrEqual(100);
      expect(chunk.metrics.length + chunk.params.length + chunk.tags.length).toBeLessThanOrEqual(1_000);
    }
    expect(chunks.flatMap((chunk) => chunk.metrics.map((metric) => metric.step))).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
    expect(chunks.flatMap((chunk) => chunk.params).length).toBe(250);
    expect(chunks.flatMap((chunk) => chunk.tags).length).toBe(120);
    expect(chunks).toHaveLength(3);
  });

  it('sends 10,000 metrics in 10 requests and nothing for an empty batch', () => {
    expect(chunkLogBatch({ metrics: metrics(10_000) })).toHaveLength(10);
    expect(chunkLogBatch({})).toEqual([]);
    expect(chunkLogBatch({ params: { a: '1' } })).toEqual([{ metrics: [], params: [['a', '1']], tags: [] }]);
  });
});
