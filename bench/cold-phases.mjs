// Where a cold `mlops run pipeline_job` spends its wall time, for two (or more) builds side by side
// (issue 18, point 2). Each run: a fresh folder with the build's mlops.yml and data/landing, the
// build's bin run there (its shebang's node flags included); the time since spawn at which each
// stage's "▶"/"✔" line appears on stderr, and at which the process has exited, gives the phases
// below. Builds alternate (A, B, A, B, …) so that they see the same machine load; medians are printed.
//
//   node bench/cold-phases.mjs [--runs 8] NAME=ROOT [NAME=ROOT …]
//   e.g. (a second worktree of main, built):
//   node bench/cold-phases.mjs --runs 8 main=/work/wt/main-copy branch=.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const PHASES = [
  ['start → "using …" line', null, 'using'],
  ['"using" → ▶ ingest', 'using', '▶ingest'],
  ['ingest', '▶ingest', '✔ingest'],
  ['train', '▶train', '✔train'],
  ['evaluate', '▶evaluate', '✔evaluate'],
  ['approve + deploy', '▶approve', '✔deploy'],
  ['score', '▶score', '✔score'],
  ['✔ score → exit', '✔score', 'exit'],
  ['total', null, 'exit'],
];

function parseArgs(argv) {
  let runs = 8;
  const builds = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i].includes('=')) {
      const [name, root] = argv[i].split('=');
      builds.push([name, path.resolve(root)]);
    } else throw new Error(`unknown argument ${argv[i]}; expected --runs N and NAME=ROOT pairs`);
  }
  if (builds.length === 0 || !Number.isInteger(runs) || runs < 1) throw new Error('usage: node bench/cold-phases.mjs [--runs N] NAME=ROOT [NAME=ROOT …]');
  return { runs, builds };
}

async function once(root) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mlops-cold-'));
  try {
    await cp(path.join(root, 'mlops.yml'), path.join(dir, 'mlops.yml'));
    await cp(path.join(root, 'data', 'landing'), path.join(dir, 'data', 'landing'), { recursive: true });
    return await new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(path.join(root, 'dist', 'cli', 'mlops.mjs'), ['run', 'pipeline_job'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      const at = {};
      let buffer = '';
      child.stderr.setEncoding('utf8').on('data', (chunk) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          const t = performance.now() - t0;
          if (line.startsWith('using ')) at.using ??= t;
          const stage = /^([▶✔]) (\w+)/.exec(line);
          if (stage) at[stage[1] + stage[2]] = t;
        }
      });
      child.once('error', reject);
      child.once('close', (code) => {
        at.exit = performance.now() - t0;
        if (code !== 0) reject(new Error(`mlops exited ${code} in ${dir}`));
        else resolve(at);
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const { runs, builds } = parseArgs(process.argv.slice(2));
const results = new Map(builds.map(([name]) => [name, []]));
for (let i = 0; i < runs; i++) for (const [name, root] of builds) results.get(name).push(await once(root));
console.log(`${runs} alternated runs each, medians in ms (load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
console.log(['phase'.padEnd(26), ...builds.map(([name]) => name.padStart(10))].join(''));
for (const [label, from, to] of PHASES) {
  console.log([label.padEnd(26), ...builds.map(([name]) => median(results.get(name).map((r) => r[to] - (from ? r[from] : 0))).toFixed(0).padStart(10))].join(''));
}
