// Benchmark: CSV → Parquet ingestion of a 10M-row (~250 MB) Iris-shaped CSV, from a local folder
// and from ADLS on azurite (loopback), each in a fresh child process so its CPU time and peak RSS
// are its own. Floor (issue #4): ≥ 1M rows/s on one core from a local folder, peak RSS < 300 MB.
//
// Usage: npm run build && node bench/ingest.mjs [--rows N] [--only local|azurite]
// Data is generated with a fixed seed in a temp folder, removed at the end.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};
const ROWS = Number(option('rows', 10_000_000));
const ONLY = option('only', 'all');
const SPECIES = ['setosa', 'versicolor', 'virginica'];

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else await main();

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlops-bench-ingest-'));
  try {
    const landing = path.join(dir, 'landing');
    const csv = path.join(landing, 'iris_big.csv');
    const t0 = performance.now();
    await generateCsv(csv, ROWS);
    const bytes = (await stat(csv)).size;
    console.error(`generated ${ROWS.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const results = [];
    if (ONLY === 'all' || ONLY === 'local') {
      results.push({ name: 'local folder', ...(await runChild({ dir: path.join(dir, 'ws-local'), source: landing, env: {} })) });
    }
    if (ONLY === 'all' || ONLY === 'azurite') {
      const azurite = await startAzurite(dir);
      try {
        const { BlobServiceClient } = await import('@azure/storage-blob');
        const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
        const container = service.getContainerClient('landing');
        await container.create();
        const t1 = performance.now();
        await container.getBlockBlobClient('iris/iris_big.csv').uploadFile(csv, { blockSize: 8 * 1024 * 1024, concurrency: 4 });
        console.error(`uploaded to azurite in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
        const source = 'abfss://landing@devstoreaccount1.dfs.core.windows.net/iris';
        results.push({ name: 'ADLS on azurite', ...(await runChild({ dir: path.join(dir, 'ws-azurite'), source, env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString } })) });
      } finally {
        await azurite.stop();
      }
    }
    const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM (${(freemem() / 2 ** 30).toFixed(0)} free), Node ${process.version}`;
    console.log(`machine: ${machine}`);
    console.log(`input: ${ROWS.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(0)} MB CSV, one file`);
    console.log('| source | rows written | wall s | CPU s (user+sys) | rows/s (wall) | rows/s per CPU second | peak RSS MB | Parquet MB |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.rows.toLocaleString('en')} | ${r.wall.toFixed(1)} | ${r.cpu.toFixed(1)} | ${Math.round(r.rows / r.wall).toLocaleString('en')} | ${Math.round(r.rows / r.cpu).toLocaleString('en')} | ${r.maxRssMb.toFixed(0)} | ${(r.outputBytes / 1e6).toFixed(0)} |`,
      );
    }
    const local = results.find((r) => r.name === 'local folder');
    if (local) {
      console.log(`floor: ≥ 1,000,000 rows/s on one core from a local folder: ${local.rows / local.wall >= 1e6 ? 'met' : 'NOT met'} by wall time (${Math.round(local.rows / local.wall).toLocaleString('en')}), ${local.rows / local.cpu >= 1e6 ? 'met' : 'NOT met'} per CPU second; peak RSS < 300 MB: ${local.maxRssMb < 300 ? 'met' : 'NOT met'} (${local.maxRssMb.toFixed(0)} MB)`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Seeded Iris-like rows: four one-decimal measurements and a class. */
async function generateCsv(file, rows) {
  await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(file), { recursive: true }));
  const out = createWriteStream(file);
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  out.write('sepal_length,sepal_width,petal_length,petal_width,species\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `${(4.3 + random() * 3.6).toFixed(1)},${(2 + random() * 2.4).toFixed(1)},${(1 + random() * 5.9).toFixed(1)},${(0.1 + random() * 2.4).toFixed(1)},${SPECIES[i % 3]}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'close');
}

/** Runs one ingestion in a child process pinned to one core when taskset exists; returns its measurements. */
async function runChild(input) {
  const argv = [fileURLToPath(import.meta.url), '--child', JSON.stringify(input)];
  const pinned = await hasTaskset();
  const proc = spawn(pinned ? 'taskset' : process.execPath, pinned ? ['-c', '0', process.execPath, ...argv] : argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  proc.stdout.on('data', (data) => (stdout += data));
  const [code] = await once(proc, 'exit');
  if (code !== 0) throw new Error(`ingestion child exited with ${code}`);
  return { ...JSON.parse(stdout), pinned };
}

async function hasTaskset() {
  const probe = spawn('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  const [code] = await once(probe, 'exit').catch(() => [1]);
  return code === 0;
}

/** The measured part: one data_ingestion_job run, as the CLI would run it. */
async function child({ dir, source, env }) {
  const dist = pathToFileURL(path.join(here, '..', 'dist') + '/');
  const { runIngest } = await import(new URL('stages/ingest/ingest.js', dist).href);
  const { LocalVolumeStore } = await import(new URL('workspace/local/volumes.js', dist).href);
  const { FileTrackingStore } = await import(new URL('tracking/file-store/tracking-file-store.js', dist).href);
  const root = path.join(dir, 'workspace');
  const mlruns = path.join(root, 'mlruns');
  const volumes = new LocalVolumeStore({ root });
  const ctx = {
    workspace: { kind: 'local', location: root, volumes, tables: undefined, registry: undefined, tracking: new FileTrackingStore({ root: mlruns, uri: pathToFileURL(mlruns).href }) },
    config: { configPath: undefined, configDir: dir, bundle: { name: 'bench' }, target: 'bench', variables: {}, workspace: { type: 'local', root }, trackingUri: pathToFileURL(mlruns).href, approval: { mode: 'disabled', thresholds: {} }, jobs: {} },
    reporter: { report() {} },
    now: Date.now,
  };
  const params = { source_path: source, volume_path: '/Volumes/bench/iris/vol', checkpoint_path: '/Volumes/bench/iris/vol/checkpoints', experiment_path: '/Shared/bench/ingestion' };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await runIngest(ctx, params, { env });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  let outputBytes = 0;
  for await (const entry of volumes.list(result.output_path, { recursive: true })) outputBytes += entry.size;
  process.stdout.write(
    JSON.stringify({ rows: result.rows_written, quarantined: result.rows_quarantined, wall, cpu: (cpu.user + cpu.system) / 1e6, maxRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6, outputBytes }),
  );
}

async function startAzurite(dir) {
  const main = path.join(here, '..', 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
  const proc = spawn(process.execPath, [main, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--extentMemoryLimit', '2048', '--skipApiVersionCheck', '--disableTelemetry', '--loose', '--silent'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const origin = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (data) => {
      output += data;
      const match = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]);
    });
    proc.once('exit', (code) => reject(new Error(`azurite exited with ${code}: ${output}`)));
  });
  proc.stdout.resume();
  const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};BlobEndpoint=${origin}/devstoreaccount1;`,
    stop: async () => {
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}
