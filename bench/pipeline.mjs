// The whole local pipeline against what a Python user would write instead (issue 18):
//   ours:   `mlops run pipeline_job` on the bundled Iris data, dev target, a fresh workspace each
//           run (mlops.yml and data/landing copied into an empty folder, run there);
//   python: bench/python_pipeline.py (pandas + scikit-learn MLPClassifier(16) + MLflow with a
//           SQLite store: train, log, register, move @champion, load it back with pyfunc, score
//           the Iris rows), in a fresh folder each run, with the interop env's python.
// The two alternate (python, ours, python, ours, …) so that both see the same machine load.
// Wall time is measured around each child; peak RSS is /usr/bin/time -v's "Maximum resident set
// size" of the child (the largest process of its tree). Medians are reported.
//
//   npm run build && node interop/provision.mjs mlflow3 && node bench/pipeline.mjs [--repeat 5] [--python PATH]
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const args = { repeat: 5, python: path.join(ROOT, '.interop', 'envs', 'mlflow3', 'bin', 'python') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--repeat') args.repeat = Number(argv[++i]);
    else if (argv[i] === '--python') args.python = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}; expected --repeat N, --python PATH`);
  }
  return args;
}

/** Runs a command under /usr/bin/time -v; resolves with wall ms, peak RSS MB and its output. */
function timed(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-v', command, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const cpu = (name) => Number(new RegExp(`${name} time \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1] ?? NaN);
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr.slice(-3000)}`));
      resolve({ wallMs, rssMb: rss ? Number(rss[1]) / 1024 : NaN, cpuS: cpu('User') + cpu('System'), stdout });
    });
  });
}

async function runOurs() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-bench-pipeline-'));
  try {
    await cp(path.join(ROOT, 'mlops.yml'), path.join(dir, 'mlops.yml'));
    await cp(path.join(ROOT, 'data', 'landing'), path.join(dir, 'data', 'landing'), { recursive: true });
    // The package's `mlops` bin (the bundle), through its shebang with the node flags it carries.
    const bin = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).bin.mlops;
    const result = await timed(path.join(ROOT, bin), ['run', 'pipeline_job', '-o', 'json'], dir);
    const summary = JSON.parse(result.stdout);
    if (summary.status !== 'succeeded') throw new Error(`pipeline_job ${summary.status}`);
    return { ...result, detail: `test_accuracy ${summary.training?.metrics?.test_accuracy?.toFixed(4)}, ${summary.predictions?.rows} rows scored` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runPython(python) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-bench-python-'));
  try {
    const result = await timed(python, [path.join(ROOT, 'bench', 'python_pipeline.py'), dir, path.join(ROOT, 'data', 'landing')], dir);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1));
    return { ...result, detail: `test_accuracy ${summary.test_accuracy.toFixed(4)}, ${summary.rows_scored} rows scored` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const version = await timed(args.python, ['-c', 'import mlflow, sklearn, pandas; print(mlflow.__version__, sklearn.__version__, pandas.__version__)'], ROOT);
  const load = () => os.loadavg().map((value) => value.toFixed(1)).join('/');
  console.log(`node ${process.version}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; python mlflow/sklearn/pandas ${version.stdout.trim()}; load ${load()}`);
  const runs = { python: [], ours: [] };
  for (let i = 0; i < args.repeat; i++) {
    for (const [side, run] of [['python', () => runPython(args.python)], ['ours', runOurs]]) {
      const result = await run();
      runs[side].push(result);
      console.log(`${side.padEnd(6)} #${i + 1}: ${(result.wallMs / 1000).toFixed(2)} s wall, ${result.cpuS.toFixed(2)} s CPU, ${result.rssMb.toFixed(0)} MB peak RSS (${result.detail}); load ${load()}`);
    }
  }
  const summary = Object.fromEntries(
    Object.entries(runs).map(([side, results]) => [side, { wallS: median(results.map((r) => r.wallMs)) / 1000, cpuS: median(results.map((r) => r.cpuS)), rssMb: median(results.map((r) => r.rssMb)) }]),
  );
  console.log('\n| side | median wall | median CPU | median peak RSS |\n|---|---:|---:|---:|');
  for (const [side, s] of Object.entries(summary)) console.log(`| ${side} | ${s.wallS.toFixed(2)} s | ${s.cpuS.toFixed(2)} s | ${s.rssMb.toFixed(0)} MB |`);
  const wallRatio = summary.ours.wallS / summary.python.wallS;
  const rssRatio = summary.ours.rssMb / summary.python.rssMb;
  console.log(`\nours / python: wall ${wallRatio.toFixed(2)}× (floor ≤ 0.5×), peak RSS ${rssRatio.toFixed(2)}× (floor ≤ 1.0×); load at the end ${load()}`);
}

await main();
