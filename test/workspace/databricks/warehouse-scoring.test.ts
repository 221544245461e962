import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { StatementExecutor } from '../../../src/workspace/databricks/statements.js';
import { DatabricksTableStore } from '../../../src/workspace/databricks/tables.js';
import { DatabricksVolumeStore } from '../../../src/workspace/databricks/volumes.js';
import { scoreOnWarehouse } from '../../../src/workspace/databricks/warehouse-scoring.js';
import { readFile } from 'node:fs/promises';
import { tableToParquet } from '../../../src/io/parquet.js';
import type { ClassifierDescription } from '../../../src/model/classifier.js';
import { DenseForward } from '../../../src/model/forward.js';
import { compileClassifierSql } from '../../../src/model/sql/compile.js';
import { patClient, useFakeDatabricks } from '../../fakes/databricks/helpers.js';

// A stand-in for the compiled model: a two-class logistic model over one feature, as SQL.
const P1 = '1.0 / (1.0 + EXP(-(2.0 * `x` - 3.0)))';
const COLUMNS = [
  { name: 'probability_b', expression: P1 },
  { name: 'probability_a', expression: `1.0 - ${P1}` },
  { name: 'prediction', expression: `CASE WHEN ${P1} >= 0.5 THEN 'b' ELSE 'a' END` },
];

/** A seeded 4 → 8 (relu) → 3 (softmax) Iris classifier, as plain data. */
function irisModel(): ClassifierDescription {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  const layer = (inputUnits: number, units: number, activation: 'relu' | 'softmax') => ({
    inputUnits,
    units,
    activation,
    kernel: Float32Array.from({ length: inputUnits * units }, () => random() * 2),
    bias: Float32Array.from({ length: units }, () => random()),
  });
  return {
    featureNames: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
    labels: ['setosa', 'versicolor', 'virginica'],
    normalization: { mean: [5.84, 3.06, 3.76, 1.2], std: [0.83, 0.44, 1.77, 0.76] },
    layers: [layer(4, 8, 'relu'), layer(8, 3, 'softmax')],
  };
}

describe('scoreOnWarehouse', () => {
  const startFake = useFakeDatabricks();

  it('scores the Iris table with the classifier compiled to SQL, matching the JavaScript forward pass', async () => {
    const fake = await startFake();
    const { client, storage } = patClient(fake);
    const statements = new StatementExecutor({ client, storage, warehouseId: fake.warehouseId, pollIntervalMs: 10 });
    const tables = new DatabricksTableStore({ client, statements, volumes: new DatabricksVolumeStore({ client, storage }) });
    const lines = (await readFile(new URL('../../../data/iris.csv', import.meta.url), 'utf8')).trim().split('\n').slice(1);
    const features = lines.map((line) => line.split(',').slice(0, 4).map(Number));
    const column = (i: number) => arrow.vectorFromArray(Float64Array.from(features.map((row) => row[i]!)));
    await tables.write('hp_az_catalog.hp_iris_ml.iris', [
      new arrow.Table({ id: arrow.vectorFromArray(Int32Array.from(features.map((_, i) => i))), sepal_length: column(0), sepal_width: column(1), petal_length: column(2), petal_width: column(3) }).batches[0]!,
    ]);

    const model = irisModel();
    const compiled = compileClassifierSql(model);
    const result = await scoreOnWarehouse(statements, {
      input: { table: 'hp_az_catalog.hp_iris_ml.iris' },
      outputTable: 'hp_az_catalog.hp_iris_ml.iris_predictions',
      columns: [{ name: 'prediction', expression: compiled.prediction }, ...compiled.probabilities.map((p) => ({ name: p.column, expression: p.expression }))],
    });
    expect(result.rows).toBe(150);

    const scored = await statements.query('SELECT * FROM hp_az_catalog.hp_iris_ml.iris_predictions ORDER BY id', { disposition: 'EXTERNAL_LINKS' });
    const expected = new DenseForward(model).predictProba(features.flat(), features.length);
    for (let r = 0; r < 150; r++) {
      const probabilities = model.labels.map((label) => scored.getChild(`probability_${label}`)!.get(r) as number);
      probabilities.forEach((p, k) => expect(Math.abs(p - expected[r * 3 + k]!)).toBeLessThan(1e-9));
      const best = probabilities.indexOf(Math.max(...probabilities));
      expect(scored.getChild('prediction')!.get(r)).toBe(model.labels[best]);
    }
  });

  it('scores a UC table into a predictions table with one CREATE OR REPLACE TABLE … AS SELECT', async () => {
    const fake = await startFake();
    const { client, storage } = patClient(fake);
    const statements = new StatementExecutor({ client, storage, warehouseId: fake.warehouseId, pollIntervalMs: 10 });
    const tables = new DatabricksTableStore({ client, statements, volumes: new DatabricksVolumeStore({ client, storage }) });
    const xs = [0, 1, 1.4, 1.6, 3];
    await tables.write('main.iris.features', [new arrow.Table({ id: arrow.vectorFromArray(Int32Array.from([1, 2, 3, 4, 5])), x: arrow.vectorFromArray(Float64Array.from(xs)) }).batches[0]!]);

    const result = await scoreOnWarehouse(statements, { input: { table: 'main.iris.features' }, outputTable: 'main.iris.predictions', columns: COLUMNS });
    expect(result).toMatchObject({ table: 'main.iris.predictions', rows: 5 });
    const sql = fake.sql.submitted.find((s) => s.includes('`predictions`'))!;
    expect(sql.startsWith('CREATE OR REPLACE TABLE `main`.`iris`.`predictions` AS SELECT *, 1.0 / (1.0 + EXP(')).toBe(true);
    expect(sql.endsWith('FROM `main`.`iris`.`features`')).toBe(true);

    const out = await statements.query('SELECT id, x, probability_a, probability_b, prediction FROM main.iris.predictions ORDER BY id');
    expect(out.getChild('prediction')?.toArray()).toEqual(['a', 'a', 'a', 'b', 'b']);
    out.getChild('probability_b')?.toArray().forEach((p: number, i: number) => {
      expect(p).toBeCloseTo(1 / (1 + Math.exp(-(2 * xs[i]! - 3))), 12);
    });
    // No prediction row ever left the warehouse: the only results fetched are the count and this check.
    expect(fake.cloudRequests().filter((r) => r.path.startsWith('/_s3/results/'))).toHaveLength(0);
  });

  it('scores Parquet files in a volume and keeps only the chosen input columns', async () => {
    const fake = await startFake();
    const { client, storage } = patClient(fake);
    const statements = new StatementExecutor({ client, storage, warehouseId: fake.warehouseId, pollIntervalMs: 10 });
    const volumes = new DatabricksVolumeStore({ client, storage });
    const input = new arrow.Table({ id: arrow.vectorFromArray(Int32Array.from([1, 2])), x: arrow.vectorFromArray(Float64Array.from([0, 3])), extra: arrow.vectorFromArray(['p', 'q'], new arrow.Utf8()) });
    await volumes.write('/Volumes/main/iris/landing/ingested/part-0.parquet', tableToParquet(input));
    const result = await scoreOnWarehouse(statements, { input: { volumePath: '/Volumes/main/iris/landing/ingested' }, outputTable: 'main.iris.scored', columns: COLUMNS, passThrough: ['id'] });
    expect(result.rows).toBe(2);
    const out = await statements.query('SELECT * FROM main.iris.scored ORDER BY id');
    expect(out.schema.fields.map((f) => f.name)).toEqual(['id', 'probability_b', 'probability_a', 'prediction']);
  });

  it('needs at least one computed column', async () => {
    const fake = await startFake();
    const { client, storage } = patClient(fake);
    const statements = new StatementExecutor({ client, storage, warehouseId: fake.warehouseId });
    await expect(scoreOnWarehouse(statements, { input: { table: 'a.b.c' }, outputTable: 'a.b.d', columns: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
