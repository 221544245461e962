import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliWorkspaceContext } from '../helpers/cli-workspace.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const BIG_ROWS = 60_000;
const TABLE = 'hp_az_catalog.hp_iris_ml.iris_predictions';

interface Interrupted {
  code: number | null;
  /** From the (first) signal to the process's exit. */
  exitMs: number;
  stderr: string;
}

/**
 * Starts the built CLI, sends `signal` once stderr matches `when` (a second time once it says it is
 * stopping, when `twice`), and waits for the exit.
 */
function interrupt(args: string[], cwd: string, when: RegExp, signal: 'SIGINT' | 'SIGTERM', twice = false): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), ...args], { cwd, env: { PATH: process.env.PATH ?? '', CI: 'true' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sentAt: number | undefined;
    let sentAgain = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (sentAt === undefined && when.test(stderr)) {
        sentAt = performance.now();
        child.kill(signal);
      } else if (twice && !sentAgain && /stopping — the run is recorded as cancelled/.test(stderr)) {
        sentAgain = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(guard);
      if (sentAt === undefined) reject(new Error(`exited ${code} before ${when} showed:\n${stderr}`));
      else {
        const exitMs = performance.now() - sentAt;
        console.log(`${args.slice(0, 2).join(' ')}: ${signal} → exit ${code} in ${exitMs.toFixed(0)} ms`);
        resolve({ code, exitMs, stderr });
      }
    });
  });
}

interface ListedRun {
  run_id: string;
  job: string;
  status: string;
  killed?: string;
  children: { stage: string; status: string }[];
}

async function runs(cwd: string): Promise<ListedRun[]> {
  return JSON.parse((await cli(['runs', 'list', '-o', 'json'], cwd)).stdout) as ListedRun[];
}

async function tableRows(cwd: string): Promise<number> {
  const ctx = await cliWorkspaceContext(cwd);
  let rows = 0;
  for await (const batch of ctx.workspace.tables.read(TABLE)) rows += batch.numRows;
  return rows;
}

/**
 * Issue #17: a signal stops any stage within 1 s. On a fresh clone's CI run the four cases took
 * 25, 57, 204 and 66 ms, and batch scoring 453–774 ms by hand at load 12.
 */
const STOP_WITHIN_MS = 1000;

/** One workspace for the whole file: each step continues from what the one before left. */
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'mlops-e2e-'));
  await cp(join(repoRoot, 'mlops.yml'), join(cwd, 'mlops.yml'));
  await cp(join(repoRoot, 'data', 'landing'), join(cwd, 'data', 'landing'), { recursive: true });
  // Big enough that ingesting and scoring it take seconds: the signal lands while the stage works.
  const species = ['setosa', 'versicolor', 'virginica'];
  const lines = ['sepal_length,sepal_width,petal_length,petal_width,species'];
  for (let i = 0; i < BIG_ROWS; i++) {
    const k = i % 3;
    lines.push(`${(5 + k * 0.8 + (i % 7) / 10).toFixed(1)},${(3.3 - k * 0.3).toFixed(1)},${(1.5 + k * 2 + (i % 5) / 10).toFixed(1)},${(0.2 + k * 0.9).toFixed(1)},${species[k]}`);
  }
  await writeFile(join(cwd, 'data', 'landing', 'big.csv'), lines.join('\n') + '\n');
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('mlops run stopped by a signal', () => {
  it('SIGTERM during ingest: exit 143 at once, the job run cancelled and its ingest run KILLED; --resume ingests from the start', async () => {
    const stopped = await interrupt(['run', 'data_ingestion_job'], cwd, /file\(s\) listed/, 'SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.exitMs).toBeLessThan(STOP_WITHIN_MS);
    expect(stopped.stderr).toMatch(/■ ingest cancelled in \d+ ms: cancelled: interrupted \(SIGTERM\)/);
    const [job] = await runs(cwd);
    expect(job).toMatchObject({ job: 'data_ingestion_job', status: 'cancelled' });
    expect(job!.killed).toBeUndefined();
    expect(job!.children.map((c) => [c.stage, c.status])).toEqual([['ingest', 'killed']]);

    const resumed = await cli(['run', 'data_ingestion_job', '--resume', job!.run_id, '-o', 'json', '-q'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as { run_id: string; status: string; ingestion: { files_ingested: number; rows_written: number } };
    expect(result).toMatchObject({ run_id: job!.run_id, status: 'succeeded', ingestion: { files_ingested: 4, rows_written: BIG_ROWS + 150 } });
  });

  it('SIGINT during training: exit 130 at once, train KILLED, no model version; the lock is released and --resume continues at train', async () => {
    const stopped = await interrupt(['run', 'pipeline_job', '--json', '{"epochs":"100000","max_train_rows":"2000"}'], cwd, /train: \d+\/100k epochs/, 'SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.exitMs).toBeLessThan(STOP_WITHIN_MS);
    const [job] = await runs(cwd);
    expect(job).toMatchObject({ job: 'pipeline_job', status: 'cancelled' });
    expect(job!.children.map((c) => [c.stage, c.status])).toEqual([
      ['ingest', 'finished'],
      ['train', 'killed'],
    ]);
    expect(JSON.parse((await cli(['models', 'list', '-o', 'json'], cwd)).stdout)).toEqual([]);
    const shown = await cli(['runs', 'show', job!.run_id], cwd);
    expect(shown.stdout).toMatch(/train\s+cancelled\s+\d+ ms\s+cancelled: interrupted \(SIGINT\)/);
    expect(shown.stdout).toContain(`resume with: mlops run pipeline_job --resume ${job!.run_id}`);

    // The resumption takes the workspace lock: the cancelled process released it.
    const resumed = await cli(['run', 'pipeline_job', '--resume', job!.run_id, '--json', '{"epochs":"2","max_train_rows":"2000"}', '-o', 'json', '-q'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout) as { status: string; stages: { name: string; status: string; resumed_from?: string }[]; predictions: { rows: number } };
    expect(result.stages.map((s) => [s.name, s.status, s.resumed_from])).toEqual([
      ['ingest', 'succeeded', job!.run_id],
      ...['train', 'evaluate', 'approve', 'deploy', 'score'].map((name) => [name, 'succeeded', undefined]),
    ]);
    expect(result.predictions.rows).toBe(BIG_ROWS + 150);
    const models = JSON.parse((await cli(['models', 'list', '-o', 'json'], cwd)).stdout) as { aliases: Record<string, string> }[];
    expect(models.map((m) => m.aliases)).toEqual([{ champion: '1' }]);
  });

  it('SIGINT while scoring into a table: exit 130 at once, the table as it was, --resume scores it all', async () => {
    const before = await tableRows(cwd);
    expect(before).toBe(BIG_ROWS + 150);
    const stopped = await interrupt(['run', 'batch_inference_job', '--json', '{"batch_size":"4096"}'], cwd, /score: \d+\/\d+k? rows/, 'SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.exitMs).toBeLessThan(STOP_WITHIN_MS);
    expect(stopped.stderr).toMatch(/■ score cancelled/);
    const [job] = await runs(cwd);
    expect(job).toMatchObject({ job: 'batch_inference_job', status: 'cancelled' });
    expect(await tableRows(cwd)).toBe(before);

    const resumed = await cli(['run', 'batch_inference_job', '--resume', job!.run_id, '-o', 'json', '-q'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', predictions: { rows: BIG_ROWS + 150 } });
  });

  it('a second Ctrl-C exits at once with one line, and the run can still be resumed', async () => {
    const stopped = await interrupt(['run', 'model_training_job', '--json', '{"epochs":"100000","max_train_rows":"2000"}'], cwd, /train: \d+\/100k epochs/, 'SIGINT', true);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.exitMs).toBeLessThan(STOP_WITHIN_MS);
    expect(stopped.stderr.split('\n').filter((line) => line.startsWith('SIGINT again'))).toEqual([
      'SIGINT again: exiting now without recording the end of the run (mlops runs list shows it as killed)',
    ]);
    const [job] = await runs(cwd);
    expect(job).toMatchObject({ job: 'model_training_job', status: 'failed', killed: expect.stringMatching(/^its process \(pid \d+ on .+\) is gone$/) });
    const resumed = await cli(['run', 'model_training_job', '--resume', job!.run_id, '--json', '{"epochs":"2","max_train_rows":"2000"}', '-o', 'json', '-q'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    const models = JSON.parse((await cli(['models', 'list', '-o', 'json'], cwd)).stdout) as { name: string }[];
    expect(models).toHaveLength(1);
  });
});
