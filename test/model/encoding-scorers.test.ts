import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { encodedFeatureNames, fitInputs, oneHotColumns } from '../../src/model/encoding.js';
import { modelToFiles } from '../../src/model/format.js';
import { DenseForward } from '../../src/model/forward.js';
import { compileClassifierSql } from '../../src/model/sql/compile.js';
import { trainClassifier } from '../../src/model/train.js';
import { parseJsonInput } from '../../src/serve/parse-input.js';
import { rawMatrixFromArrow } from '../../src/stages/features.js';
import { BatchScorer } from '../../src/stages/score/score-batch.js';
import { stratifiedSplit } from '../../src/stages/train/split.js';
import { encodeRows, trainingTable } from '../../src/stages/train/training-data.js';
import { PENGUINS_INPUTS, PENGUINS_SCHEMA, penguinsTable } from '../helpers/penguins-table.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const run = promisify(execFile);
const SCHEMA = PENGUINS_SCHEMA;
const INPUTS = PENGUINS_INPUTS;

describe('one encoding, every scorer', () => {
  it('tfjs, batch scoring, the serve forward pass, SQL in DuckDB and the Python loader give the same labels, unseen categories and missing values included', async () => {
    const table = await penguinsTable();
    const data = trainingTable(table, SCHEMA, 'penguins.csv');
    const split = stratifiedSplit(data.labels, { testSize: 0.2, seed: 7 });
    const inputs = fitInputs(data.columns, split.train);
    expect(inputs.find((i) => i.name === 'island')).toEqual({ name: 'island', kind: 'categorical', vocabulary: ['Biscoe', 'Dream', 'Torgersen'] });
    expect(inputs.find((i) => i.name === 'bill_length_mm')).toMatchObject({ kind: 'numeric', impute: expect.any(Number) });
    const train = encodeRows(data, inputs, split.train, 'train');
    const trained = await trainClassifier(
      { features: train, labels: Int32Array.from(split.train, (r) => data.labels[r]!), rows: split.train.length, featureNames: encodedFeatureNames(inputs), labelNames: data.labelNames, inputs, labelColumn: 'species', unscaledFeatures: oneHotColumns(inputs) },
      { epochs: 40, learningRate: 0.02, hiddenUnits: [8], activation: 'relu', batchSize: 32, seed: 3, testSize: 0.2 },
    );
    const classifier = trained.classifier;
    try {
      // The test rows, then rows no training row looks like: an unseen island, missing values everywhere.
      const rows: (string | number | null)[][] = Array.from(split.test, (r) => INPUTS.map((name) => (table.getChild(name)!.get(r) as string | number | null) ?? null));
      rows.push(['Atlantis', 45.1, 15.2, 210, 5000, 'male'], ['Dream', null, null, 195, null, null], [null, 38, 18, null, 3600, 'unknown'], ['Biscoe', null, null, null, null, null]);
      const columns = Object.fromEntries(
        INPUTS.map((name, j) => [name, name === 'island' || name === 'sex' ? arrow.vectorFromArray(rows.map((row) => row[j] as string | null), new arrow.Utf8()) : arrow.vectorFromArray(rows.map((row) => row[j] as number | null), new arrow.Float64())]),
      );
      const batch = new arrow.Table(columns).batches[0]!;

      // 1. tfjs on the raw matrix.
      const { raw, unseen } = rawMatrixFromArrow(classifier.inputs, batch, 'rows');
      expect(unseen[0]).toBe(1);
      expect(unseen[5]).toBe(1);
      const tfjs = Array.from(classifier.predictLabels(classifier.predictRawProba(raw, rows.length), rows.length), (k) => classifier.labels[k]!);

      // 2. The batch scorer (the score stage's per-batch core).
      const scorer = new BatchScorer({ classifier, modelName: 'm', modelVersion: '1', scoredAt: 0, onInvalid: 'error' });
      const scored = scorer.score(batch, { source: 'rows', firstRow: 1 });
      const batchLabels = Array.from({ length: rows.length }, (_, r) => scored.getChild('prediction')!.get(r) as string);
      expect(scorer.unseen).toEqual([1, 0, 0, 0, 0, 1]);
      expect(scored.getChild('island')!.get(rows.length - 4)).toBe('Atlantis');

      // 3. mlops serve: the request parsed against the signature, then the JavaScript forward pass.
      const parsed = parseJsonInput({ dataframe_split: { columns: INPUTS, data: rows } }, { featureNames: INPUTS, inputs: classifier.inputs });
      const forward = new DenseForward(classifier.describe());
      const proba = forward.predictRawProba(parsed.features, parsed.rows);
      const serve = Array.from({ length: rows.length }, (_, r) => {
        const p = Array.from(proba.subarray(r * 3, r * 3 + 3));
        return classifier.labels[p.indexOf(Math.max(...p))]!;
      });

      // 4. The model compiled to SQL, run by DuckDB on the same rows.
      const dir = await tempDir();
      const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
      const connection = await instance.connect();
      const sqlRows = rows.map((row) => `(${row.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : `${v}::DOUBLE`)).join(', ')})`);
      await connection.run(`CREATE TABLE input AS SELECT * FROM (VALUES ${sqlRows.join(', ')}) AS t(${INPUTS.join(', ')})`);
      const reader = await connection.runAndReadAll(compileClassifierSql(classifier.describe(), { dialect: 'duckdb' }).query('input'));
      const sql = (reader.getColumnsObjectJS() as Record<string, unknown[]>).prediction as string[];
      connection.closeSync();
      instance.closeSync();

      // 5. The python_function loader, by Debian's python3 + numpy + pandas.
      const files = await modelToFiles(classifier, { runId: 'r', artifactPath: 'model', now: 0, inputExample: rows.slice(-3) });
      for (const [path, bytes] of files) {
        await mkdir(dirname(join(dir, 'model', path)), { recursive: true });
        await writeFile(join(dir, 'model', path), bytes);
      }
      const script = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1] + "/code")
import pandas as pd, mlops_tfjs_pyfunc as loader
request = json.load(sys.stdin)
model = loader._load_pyfunc(sys.argv[1])
print(json.dumps(model.predict(pd.DataFrame(request["data"], columns=request["columns"]))["prediction"].tolist()))
`;
      const child = run('/usr/bin/python3', ['-c', script, join(dir, 'model')]);
      child.child.stdin!.end(JSON.stringify({ columns: INPUTS, data: rows }));
      const python = JSON.parse((await child).stdout) as string[];

      expect(batchLabels).toEqual(tfjs);
      expect(serve).toEqual(tfjs);
      expect(sql).toEqual(tfjs);
      expect(python).toEqual(tfjs);
      // The labels are not all one class: the comparison means something.
      expect(new Set(tfjs).size).toBe(3);
    } finally {
      classifier.dispose();
    }
  }, 120_000);
});
