import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableToParquet } from '../../../src/io/parquet.js';
import type { Classifier } from '../../../src/model/classifier.js';
import { encodedFeatureNames, fitInputs, oneHotColumns } from '../../../src/model/encoding.js';
import { trainClassifier } from '../../../src/model/train.js';
import { BatchScorer } from '../../../src/stages/score/score-batch.js';
import { runScore } from '../../../src/stages/score/score.js';
import { stratifiedSplit } from '../../../src/stages/train/split.js';
import { encodeRows, trainingTable } from '../../../src/stages/train/training-data.js';
import { PENGUINS_INPUTS, PENGUINS_SCHEMA, penguinsTable } from '../../helpers/penguins-table.js';
import { readParquetFile, readParquetFolder } from '../../helpers/read-parquet.js';
import { registerChampion, scoringWorkspace } from '../../helpers/scoring-model.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const SCHEMA = PENGUINS_SCHEMA;
const INPUTS = PENGUINS_INPUTS;
const MODEL = 'main.penguins.scorer';
/** Copies of the penguins (with a few rows no training row looks like) scored in batches of 64: many batches cross the threads. */
const COPIES = 4;

let penguins: arrow.Table;
let classifier: Classifier;
beforeAll(async () => {
  penguins = await penguinsTable();
  const data = trainingTable(penguins, SCHEMA, 'penguins.csv');
  const split = stratifiedSplit(data.labels, { testSize: 0.2, seed: 7 });
  const inputs = fitInputs(data.columns, split.train);
  const features = encodeRows(data, inputs, split.train, 'train');
  ({ classifier } = await trainClassifier(
    { features, labels: Int32Array.from(split.train, (r) => data.labels[r]!), rows: split.train.length, featureNames: encodedFeatureNames(inputs), labelNames: data.labelNames, inputs, labelColumn: 'species', unscaledFeatures: oneHotColumns(inputs) },
    { epochs: 10, learningRate: 0.02, hiddenUnits: [8], activation: 'relu', batchSize: 32, seed: 3, testSize: 0.2 },
  ));
});

/** The model's input columns, COPIES times over, then rows with an unseen island and sex and missing values. */
function scoringInput(from = 0, to?: number): arrow.Table {
  const odd: (string | number | null)[][] = [
    ['Atlantis', 45.1, 15.2, 210, 5000, 'male'],
    ['Dream', null, null, 195, null, null],
    [null, 38, 18, null, 3600, 'unknown'],
  ];
  const columns = Object.fromEntries(
    INPUTS.map((name, j) => {
      const all = [...Array.from({ length: COPIES }, () => Array.from({ length: penguins.numRows }, (_, r) => penguins.getChild(name)!.get(r) as string | number | null)).flat(), ...odd.map((row) => row[j]!)];
      const values = all.slice(from, to);
      return [name, name === 'island' || name === 'sex' ? arrow.vectorFromArray(values as (string | null)[], new arrow.Utf8()) : arrow.vectorFromArray(values as (number | null)[], new arrow.Float64())];
    }),
  );
  return new arrow.Table(columns);
}

describe('batch scoring with string (categorical) inputs on the scoring threads (#16)', () => {
  it('gives the same file, predictions and unseen counts with reader and encoding threads as on one thread', async () => {
    const dir = await tempDir();
    const { ctx } = scoringWorkspace(dir);
    await registerChampion(ctx, classifier, MODEL);
    const input = scoringInput();
    await mkdir(join(dir, 'in'));
    // Two files, so the reader thread decodes one while the other is scored.
    const half = Math.floor(input.numRows / 2);
    await writeFile(join(dir, 'in', 'a.parquet'), tableToParquet(scoringInput(0, half)));
    await writeFile(join(dir, 'in', 'b.parquet'), tableToParquet(scoringInput(half)));
    const params = (output_path: string) => ({ model_name: MODEL, catalog_name: 'main', schema_name: 'penguins', batch_size: '64', input_path: join(dir, 'in'), output_path });

    const threaded = await runScore(ctx, params(join(dir, 'threaded.parquet')), {}, { workers: 2 });
    const oneThread = await runScore(ctx, params(join(dir, 'one-thread.parquet')), {}, { workers: 0 });
    expect((await readFile(threaded.path)).equals(await readFile(oneThread.path))).toBe(true);
    expect(threaded.rows).toBe(input.numRows);
    expect(threaded.unseen_categories).toEqual({ island: 1, sex: 1 });
    expect(oneThread.unseen_categories).toEqual(threaded.unseen_categories);

    // And the rows are what the model says, strings included: the in-thread scorer on the whole input is the reference.
    const reference = new BatchScorer({ classifier, modelName: MODEL, modelVersion: '1', scoredAt: 0, onInvalid: 'error' }).score(input.batches[0]!, { source: 'input', firstRow: 1 });
    const rows = await readParquetFile(threaded.path);
    expect(rows).toHaveLength(input.numRows);
    expect(rows.map((row) => row['prediction'])).toEqual(Array.from({ length: input.numRows }, (_, r) => reference.getChild('prediction')!.get(r)));
    expect(rows.map((row) => [row['island'], row['sex']])).toEqual(Array.from({ length: input.numRows }, (_, r) => [input.getChild('island')!.get(r), input.getChild('sex')!.get(r)]));

    // A folder of part files too (the encoding pool writes each part).
    const folderThreaded = await runScore(ctx, params(join(dir, 'threaded')), {}, { workers: 2 });
    const folderOne = await runScore(ctx, params(join(dir, 'one')), {}, { workers: 0 });
    expect(await readParquetFolder(folderThreaded.path)).toEqual(await readParquetFolder(folderOne.path));
  });
});
