import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../../../src/model/classifier.js';
import { buildDenseNetwork, type HiddenActivation } from '../../../src/model/network.js';
import { compileClassifierSql } from '../../../src/model/sql/compile.js';
import { getTf, type Tf } from '../../../src/model/tf.js';
import { trainClassifier } from '../../../src/model/train.js';
import { tableToParquet } from '../../../src/io/parquet.js';
import { writeFile } from 'node:fs/promises';
import { useTempDirs } from '../../helpers/temp-dir.js';

const IRIS_CSV = join(import.meta.dirname, '..', '..', '..', 'data', 'iris.csv');
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const LABELS = ['setosa', 'versicolor', 'virginica'];
const tempDir = useTempDirs();

let tf: Tf;
let connection: DuckDBConnection;
let instance: DuckDBInstance;

beforeAll(async () => {
  tf = await getTf();
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  connection = await instance.connect();
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

function readIris(): { rows: number[][]; species: string[] } {
  const lines = readFileSync(IRIS_CSV, 'utf8').trim().split('\n').slice(1);
  return { rows: lines.map((line) => line.split(',').slice(0, 4).map(Number)), species: lines.map((line) => line.split(',')[4]!) };
}

/** A seeded classifier with random (non-zero) weights and biases: no training needed to exercise every activation. */
function randomClassifier(hiddenUnits: number[], activation: HiddenActivation, seed: number, featureNames = FEATURES, labels = LABELS): Classifier {
  const model = buildDenseNetwork({ inputUnits: featureNames.length, hiddenUnits, activation, outputUnits: labels.length, seed });
  let state = seed;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (const layer of model.layers) {
    const [kernel, bias] = layer.getWeights();
    layer.setWeights([tf.tensor(Array.from(kernel!.dataSync(), (w) => w * 2), kernel!.shape), tf.tensor(Array.from(bias!.dataSync(), () => next()), bias!.shape)]);
  }
  return new Classifier({ model, featureNames, labels, normalization: { mean: [5.84, 3.05, 3.76, 1.2], std: [0.83, 0.43, 1.76, 0.76] } });
}

/** Seeded rows around (and well beyond) the Iris ranges. */
function generatedRows(count: number, seed: number): Float64Array[] {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const centres = [5.8, 3.0, 3.8, 1.2];
  const spreads = [2.5, 1.5, 4, 2];
  return centres.map((centre, j) => Float64Array.from({ length: count }, () => centre + (next() * 2 - 1) * spreads[j]!));
}

async function parquetOf(columns: Float64Array[], names = FEATURES): Promise<string> {
  const table = new arrow.Table(Object.fromEntries(names.map((name, j) => [name, arrow.makeVector(columns[j]!)])));
  const file = join(await tempDir(), 'rows.parquet');
  await writeFile(file, tableToParquet(table));
  return file;
}

interface SqlResult {
  prediction: (string | null)[];
  probabilities: (number | null)[][];
}

async function run(sql: string, labels = LABELS): Promise<SqlResult> {
  const reader = await connection.runAndReadAll(sql);
  const columns = reader.getColumnsObjectJS() as Record<string, unknown[]>;
  return {
    prediction: columns.prediction as (string | null)[],
    probabilities: labels.map((label) => columns[`probability_${label}`] as (number | null)[]),
  };
}

function tfjsScores(classifier: Classifier, columns: Float64Array[]): { labels: string[]; proba: Float32Array } {
  const rows = columns[0]!.length;
  const features = new Float32Array(rows * columns.length);
  columns.forEach((column, j) => column.forEach((value, r) => (features[r * columns.length + j] = value)));
  const proba = classifier.predictProba(features, rows);
  const labels = Array.from(classifier.predictLabels(proba, rows), (index) => classifier.labels[index]!);
  return { labels, proba };
}

function expectSameScores(sql: SqlResult, tfjs: { labels: string[]; proba: Float32Array }, labelCount: number): number {
  let maxDifference = 0;
  let labelMismatches = 0;
  tfjs.labels.forEach((label, row) => {
    if (sql.prediction[row] !== label) labelMismatches++;
    for (let k = 0; k < labelCount; k++) maxDifference = Math.max(maxDifference, Math.abs((sql.probabilities[k]![row] as number) - tfjs.proba[row * labelCount + k]!));
  });
  expect(labelMismatches).toBe(0);
  expect(maxDifference).toBeLessThanOrEqual(1e-5);
  return maxDifference;
}

function standaloneSelect(compiled: ReturnType<typeof compileClassifierSql>, source: string): string {
  return `SELECT ${compiled.prediction} AS prediction, ${compiled.probabilities.map((p) => `${p.expression} AS ${p.column}`).join(', ')} FROM ${source}`;
}

/** The layered form's projections as nested SELECTs, the way Spark runs them as chained selectExpr. */
function layeredSelect(compiled: ReturnType<typeof compileClassifierSql>, source: string): string {
  const { prediction, probabilities } = compiled.layered;
  const projections = compiled.layered.projections([`${prediction} AS prediction`, ...probabilities.map((p) => `${p.expression} AS ${p.column}`)]);
  return projections.reduce((inner, list, l) => `SELECT ${list.join(', ')} FROM ${l === 0 ? source : `(${inner})`} AS projection${l}`, '');
}

describe('compileClassifierSql run in DuckDB against tfjs', () => {
  it('scores the Iris data like tfjs: a trained model, the same label on all 150 rows, probabilities within 1e-5', async () => {
    const { rows, species } = readIris();
    const features = Float32Array.from(rows.flat());
    const labelIndex = Int32Array.from(species, (s) => LABELS.indexOf(s));
    const { classifier } = await trainClassifier(
      { features, labels: labelIndex, rows: rows.length, featureNames: FEATURES, labelNames: LABELS },
      { epochs: 60, learningRate: 0.05, hiddenUnits: [16], activation: 'relu', batchSize: 32, seed: 3, testSize: 0.2 },
    );
    const compiled = compileClassifierSql(classifier.describe());
    const source = `read_csv('${IRIS_CSV}', header = true)`;
    const columns = FEATURES.map((_, j) => Float64Array.from(rows, (row) => row[j]!));
    const tfjs = tfjsScores(classifier, columns);
    expectSameScores(await run(compiled.query(source)), tfjs, 3);
    expectSameScores(await run(standaloneSelect(compiled, source)), tfjs, 3);
    expectSameScores(await run(layeredSelect(compiled, source)), tfjs, 3);
    // And the model is a real one: it gets most of Iris right.
    const correct = tfjs.labels.filter((label, row) => label === species[row]).length;
    expect(correct / rows.length).toBeGreaterThan(0.9);
  });

  const architectures: { name: string; hidden: number[]; activation: HiddenActivation; standaloneRows: number }[] = [
    { name: 'relu 16', hidden: [16], activation: 'relu', standaloneRows: 10_000 },
    { name: 'tanh 8 → 8', hidden: [8, 8], activation: 'tanh', standaloneRows: 2_000 },
    { name: 'sigmoid 12', hidden: [12], activation: 'sigmoid', standaloneRows: 10_000 },
    { name: 'softmax regression (no hidden layer)', hidden: [], activation: 'relu', standaloneRows: 100_000 },
  ];
  for (const [index, architecture] of architectures.entries()) {
    it(`matches tfjs on 100k generated rows: ${architecture.name}`, async () => {
      const classifier = randomClassifier(architecture.hidden, architecture.activation, 11 + index);
      const columns = generatedRows(100_000, 5 + index);
      const file = await parquetOf(columns);
      const compiled = compileClassifierSql(classifier.describe());
      const tfjs = tfjsScores(classifier, columns);
      // Every label occurs, so the comparison is not trivially one class.
      expect(new Set(tfjs.labels).size).toBe(3);
      expectSameScores(await run(compiled.query(`read_parquet('${file}')`)), tfjs, 3);
      expectSameScores(await run(layeredSelect(compiled, `read_parquet('${file}')`)), tfjs, 3);
      expect(compiled.layered.hidden.map((units) => units.length)).toEqual(architecture.hidden);
      // The standalone expressions repeat each hidden unit once per use (no shared subquery), so
      // DuckDB evaluates them several times slower: they are checked on the first rows only.
      const head = columns.map((column) => column.subarray(0, architecture.standaloneRows));
      expectSameScores(await run(standaloneSelect(compiled, `read_parquet('${await parquetOf(head)}')`)), tfjsScores(classifier, head), 3);
    });
  }
});

describe('compileClassifierSql: invalid rows, names, portability', () => {
  it('gives NULL prediction and probabilities for a null, NaN or infinite feature, in every form', async () => {
    const compiled = compileClassifierSql(randomClassifier([4, 3], 'relu', 2).describe());
    const source = `(SELECT * FROM (VALUES (5.1, 3.5, 1.4, 0.2), (NULL, 3.5, 1.4, 0.2), (5.1, CAST('NaN' AS DOUBLE), 1.4, 0.2), (5.1, 3.5, CAST('Infinity' AS DOUBLE), 0.2)) AS t(sepal_length, sepal_width, petal_length, petal_width))`;
    for (const sql of [compiled.query(source), standaloneSelect(compiled, source), layeredSelect(compiled, source)]) {
      const result = await run(sql);
      expect(result.prediction[0]).not.toBeNull();
      expect(result.prediction.slice(1)).toEqual([null, null, null]);
      for (const column of result.probabilities) expect(column.slice(1)).toEqual([null, null, null]);
    }
  });

  it('quotes names that are not plain identifiers per dialect, and scores through them', async () => {
    const features = ['sepal length', 'sepal-width', 'petal_length', 'petal_width'];
    const labels = ['Iris setosa', 'versicolor', 'virginica'];
    const classifier = randomClassifier([3], 'tanh', 4, features, labels);
    const duck = compileClassifierSql(classifier.describe(), { dialect: 'duckdb' });
    const spark = compileClassifierSql(classifier.describe(), { dialect: 'spark' });
    expect(spark.query('t')).toContain('CAST(`sepal length` AS DOUBLE)');
    expect(spark.query('t')).toContain('AS `probability_Iris setosa`');
    expect(duck.query('t')).toContain('CAST("sepal-width" AS DOUBLE)');
    const columns = generatedRows(1000, 9);
    const file = await parquetOf(columns, features);
    const result = await run(duck.query(`read_parquet('${file}')`).replace('"probability_Iris setosa"', 'probability_Iris_setosa'), ['Iris_setosa', 'versicolor', 'virginica']);
    expectSameScores(result, tfjsScores(classifier, columns), 3);
  });

  it('uses only constructs Spark SQL and DuckDB share: no DuckDB-only syntax, exponent (DOUBLE) literals, few functions', () => {
    const compiled = compileClassifierSql(randomClassifier([5, 4], 'sigmoid', 8).describe());
    const { layered } = compiled;
    const texts = [compiled.query('main.iris.features'), compiled.prediction, ...compiled.probabilities.map((p) => p.expression), ...layered.hidden.flat(), layered.prediction, ...layered.probabilities.map((p) => p.expression)];
    for (const sql of texts) {
      // DuckDB-only: :: casts, EXCLUDE/REPLACE/COLUMNS(*), double-quoted identifiers, ** and // operators, lambdas, list/struct literals.
      expect(sql).not.toMatch(/::|\bEXCLUDE\b|\bREPLACE\b|\bCOLUMNS\s*\(|"|\*\*|\/\/|->|\[|\{|\bQUALIFY\b|\bread_parquet\b/i);
      const keywords = new Set(['FROM', 'AND', 'OR', 'NOT', 'THEN', 'ELSE', 'WHEN', 'AS', 'SELECT']);
      const functions = new Set([...sql.matchAll(/\b([A-Za-z_]+)\s*\(/g)].map((m) => m[1]!.toUpperCase()).filter((name) => !keywords.has(name)));
      for (const name of functions) expect(['CAST', 'EXP', 'GREATEST', 'TANH']).toContain(name);
      // Every number is written with an exponent (a DOUBLE in both engines), never as 0.5 (a DECIMAL).
      const numbers = [...sql.replace(/'[^']*'/g, '').replace(/\b[A-Za-z_][A-Za-z0-9_]*\b/g, ' ').matchAll(/\d+(\.\d+)?(E[+-]?\d+)?/g)].map((m) => m[0]);
      expect(numbers.length).toBeGreaterThan(0);
      for (const number of numbers) expect(number).toMatch(/E/);
    }
  });

  it('refuses a model that is not a dense softmax classifier', () => {
    const description = randomClassifier([3], 'relu', 1).describe();
    description.layers[description.layers.length - 1]!.activation = 'relu';
    expect(() => compileClassifierSql(description)).toThrow(/softmax/);
  });
});
