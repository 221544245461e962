import { describe, expect, it } from 'vitest';
import { encodeRowGroup, type ParquetColumnSpec, type ParquetColumnValues } from '../../../src/io/parquet-encode.js';
import { ParquetEncodePool } from '../../../src/io/workers/parquet-encode-pool.js';

const specs: ParquetColumnSpec[] = [{ name: 'x', kind: 'double', nullable: false }];
const column = (rows: number, seed: number): ParquetColumnValues[] => [{ layout: 'fixed', values: Float64Array.from({ length: rows }, (_, i) => Math.sin(seed + i)) }];

describe('ParquetEncodePool', () => {
  it('encodes on worker threads exactly as in this thread, with several jobs in flight', async () => {
    const pool = new ParquetEncodePool(2);
    try {
      const jobs = [50_000, 10, 20_000, 1].map((rows, seed) => ({ rows, seed }));
      const results = await Promise.all(jobs.map(({ rows, seed }) => pool.encode({ specs, columns: column(rows, seed), rows, codec: 'snappy', minSavings: 0 })));
      results.forEach((result, i) => {
        const expected = encodeRowGroup(specs, column(jobs[i]!.rows, jobs[i]!.seed), jobs[i]!.rows, 'snappy');
        expect(result.rows).toBe(jobs[i]!.rows);
        expect(Buffer.from(result.bytes.subarray(0, result.length)).equals(Buffer.from(expected.bytes.subarray(0, expected.length)))).toBe(true);
        expect(result.columns).toEqual(expected.columns);
      });
    } finally {
      await pool.close();
    }
  });

  it('moves transferred buffers to the worker instead of copying them', async () => {
    const pool = new ParquetEncodePool(1);
    try {
      const values = new Float64Array(1000);
      await pool.encode({ specs, columns: [{ layout: 'fixed', values }], rows: 1000, codec: 'none', minSavings: 0 }, [values.buffer]);
      expect(values.buffer.byteLength).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('rejects jobs still queued when it is closed, and every job after', async () => {
    const pool = new ParquetEncodePool(1);
    const pending = expect(pool.encode({ specs, columns: column(400_000, 1), rows: 400_000, codec: 'snappy', minSavings: 0 })).rejects.toMatchObject({ code: 'ABORTED' });
    await pool.close();
    await pending;
    await expect(pool.encode({ specs, columns: column(1, 1), rows: 1, codec: 'snappy', minSavings: 0 })).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('closed') });
  });

  it('starts its workers at the first job, not before: a pool closed unused never starts one', async () => {
    const unused = new ParquetEncodePool(2);
    expect(unused.started).toBe(false);
    await unused.close();
    expect(unused.started).toBe(false);
    const pool = new ParquetEncodePool(1);
    try {
      expect(pool.started).toBe(false);
      const result = await pool.encode({ specs, columns: column(10, 3), rows: 10, codec: 'none', minSavings: 0 });
      expect(pool.started).toBe(true);
      expect(result.rows).toBe(10);
    } finally {
      await pool.close();
    }
  });

  it('needs at least one worker', () => {
    expect(() => new ParquetEncodePool(0)).toThrow(/at least one worker/);
  });
});
