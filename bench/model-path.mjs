// The model steps of a pipeline run, in one fresh process, timed one by one: load tfjs, train
// Iris for one epoch (build the network, starting weights, the classifier), write the model
// files, read them back (twice: evaluation loads the candidate, scoring the champion), predict
// 30 and 150 rows. What branch `nolayers` changed (tfjs-layers off this path), nothing else.
//
//   node bench/model-path.mjs [--dist <dist folder>] [--repeat 8] [--against <other dist folder>]
// With --against, fresh processes of the two builds alternate (A, B, A, B …) and the medians of
// each step are printed side by side.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(option('dist', path.join(here, '..', 'dist')));

if (args.includes('--child')) {
  const url = (file) => pathToFileURL(path.join(dist, file)).href;
  const times = {};
  let t = performance.now();
  const lap = (name) => {
    const now = performance.now();
    times[name] = now - t;
    t = now;
  };
  const { getTf } = await import(url('model/tf.js'));
  const { trainClassifier } = await import(url('model/train.js'));
  const { modelToFiles, readModelFiles, classifierFromFiles } = await import(url('model/format.js'));
  lap('import');
  await getTf();
  lap('getTf');
  const csv = readFileSync(path.join(here, '..', 'data', 'iris.csv'), 'utf8').trim().split('\n').slice(1);
  const labelNames = [...new Set(csv.map((line) => line.split(',')[4].trim()))].sort();
  const features = Float32Array.from(csv.flatMap((line) => line.split(',').slice(0, 4).map(Number)));
  const labels = Int32Array.from(csv, (line) => labelNames.indexOf(line.split(',')[4].trim()));
  const data = { features, labels, rows: csv.length, featureNames: ['a', 'b', 'c', 'd'], labelNames };
  const { classifier } = await trainClassifier(data, { epochs: 1, learningRate: 0.01, hiddenUnits: [16], activation: 'relu', batchSize: 32, seed: 42, testSize: 0.2 });
  lap('train1epoch');
  const files = await modelToFiles(classifier, { runId: 'r'.repeat(32), artifactPath: 'model', now: 0 });
  lap('modelToFiles');
  const loaded = [];
  for (let i = 0; i < 2; i++) loaded.push(await classifierFromFiles(await readModelFiles(async (file) => files.get(file))));
  lap('load2x');
  loaded[0].predictProba(features.subarray(0, 30 * 4), 30);
  loaded[1].predictProba(features, 150);
  lap('predict');
  process.stdout.write(JSON.stringify(times));
} else {
  const repeat = Number(option('repeat', '8'));
  const builds = [dist, option('against')].filter(Boolean).map((folder) => path.resolve(folder));
  const results = builds.map(() => []);
  for (let round = 0; round < repeat; round++) {
    builds.forEach((build, index) => {
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--dist', build], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      results[index].push(JSON.parse(child.stdout));
    });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const steps = Object.keys(results[0][0]);
  console.log(['step', ...builds].join('\t'));
  for (const step of [...steps, 'total']) {
    const cells = results.map((runs) => median(runs.map((run) => (step === 'total' ? steps.reduce((sum, key) => sum + run[key], 0) : run[step]))).toFixed(1));
    console.log([step, ...cells].join('\t'));
  }
}
