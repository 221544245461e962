import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { PARQUET_CREATED_BY } from '../../../src/io/parquet-encode.js';
import { parquetToTable } from '../../../src/io/parquet.js';
import { datasetDigest, evaluationSetParquet, evaluationSetTable, subsetRows } from '../../../src/stages/train/eval-set.js';

const set = { features: Float32Array.from([5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5, 5.9, 3.0, 4.2, 1.5]), labels: Int32Array.of(0, 2, 1), rows: 3 };

describe('evaluation set', () => {
  it('picks rows in the given order', () => {
    const picked = subsetRows(set, Int32Array.of(2, 0));
    expect(picked.rows).toBe(2);
    expect(Array.from(picked.labels)).toEqual([1, 0]);
    expect(Array.from(picked.features.subarray(0, 4))).toEqual(Array.from(set.features.subarray(8, 12)));
  });

  it('digests rows by feature bytes and label names, whatever the class order of the model', () => {
    const names = ['setosa', 'versicolor', 'virginica'];
    const digest = datasetDigest(set, names);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    // The same rows with the classes numbered the other way round.
    const reversed = { ...set, labels: Int32Array.from(set.labels, (k) => 2 - k) };
    expect(datasetDigest(reversed, [...names].reverse())).toBe(digest);
    expect(datasetDigest(subsetRows(set, Int32Array.of(1, 0, 2)), names)).not.toBe(digest);
    expect(datasetDigest({ ...set, features: Float32Array.from(set.features, (x, i) => (i === 0 ? x + 0.1 : x)) }, names)).not.toBe(digest);
  });

  it('stores the set with the ingested column names', () => {
    const table = evaluationSetTable(set, ['setosa', 'versicolor', 'virginica']);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
    expect(table.getChild('species')!.toArray()).toEqual(['setosa', 'virginica', 'versicolor']);
    expect(table.getChild('petal_length')!.get(1)).toBeCloseTo(6.0, 5);
  });

  it('writes the set with our Parquet encoder, and it reads back row for row', async () => {
    const table = evaluationSetTable(set, ['setosa', 'versicolor', 'virginica']);
    const bytes = await evaluationSetParquet(table);
    // The footer names the writer: ours, not parquet-wasm (parquet-rs), whose writer would first be compiled.
    expect(Buffer.from(bytes).includes(PARQUET_CREATED_BY)).toBe(true);
    const back = parquetToTable(bytes);
    expect(back.schema.fields.map((f) => f.name)).toEqual(table.schema.fields.map((f) => f.name));
    for (const field of table.schema.fields) expect(Array.from(back.getChild(field.name)!.toArray())).toEqual(Array.from(table.getChild(field.name)!.toArray()));
  });

  it('writes column types our encoder does not write through parquet-wasm', async () => {
    const table = tableFromArrays({ x: Float64Array.of(1, 2), flag: [true, false] });
    const bytes = await evaluationSetParquet(table);
    expect(Buffer.from(bytes).includes(PARQUET_CREATED_BY)).toBe(false);
    expect(parquetToTable(bytes).getChild('flag')!.toArray()).toEqual([true, false]);
  });
});
