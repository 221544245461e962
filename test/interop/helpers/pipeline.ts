import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
export const IRIS_CSV = path.join(ROOT, 'data', 'iris.csv');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs our built CLI (`npm run build` first) in a folder with extra environment. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, CI: 'true', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 600_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export interface PipelineProject {
  /** The project folder: mlops.yml, data/landing, and .mlops/ once run. */
  dir: string;
  /** `mlops run pipeline_job -o json`'s result. */
  result: { tracking: { uri: string }; model: { name: string }; predictions: { path: string } };
  /** The tracking URI the run reports (`tracking.uri`): the store the pipeline wrote, whatever its kind. */
  trackingUri: string;
  modelName: string;
  /** The predictions table our scorer wrote (a folder of Parquet parts). */
  predictionsPath: string;
}

/** Runs pipeline_job once more in the same project, past the step cache (a new version; the champion alias moves). */
export async function rerunPipeline(project: PipelineProject, options: { env?: Record<string, string | undefined> } = {}): Promise<void> {
  const run = await runCli(['run', 'pipeline_job', '-o', 'json', '--force'], { cwd: project.dir, ...(options.env ? { env: options.env } : {}) });
  if (run.code !== 0) throw new Error(`mlops run pipeline_job (again) exited ${run.code}:\n${run.stderr.slice(-6000)}`);
}

/** A fresh copy of the shipped project (mlops.yml + data/landing) with `mlops run pipeline_job` run in it. */
export async function runPipelineProject(options: { env?: Record<string, string | undefined>; json?: Record<string, string> } = {}): Promise<PipelineProject> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mlops-interop-project-'));
  await cp(path.join(ROOT, 'mlops.yml'), path.join(dir, 'mlops.yml'));
  await mkdir(path.join(dir, 'data'), { recursive: true });
  await cp(path.join(ROOT, 'data', 'landing'), path.join(dir, 'data', 'landing'), { recursive: true });
  const args = ['run', 'pipeline_job', '-o', 'json', ...(options.json ? ['--json', JSON.stringify(options.json)] : [])];
  const run = await runCli(args, { cwd: dir, ...(options.env ? { env: options.env } : {}) });
  if (run.code !== 0) throw new Error(`mlops run pipeline_job exited ${run.code}:\n${run.stderr.slice(-6000)}`);
  const result = JSON.parse(run.stdout) as { tracking: { uri: string }; model: { name: string }; predictions: { path: string } };
  return { dir, result, trackingUri: result.tracking.uri, modelName: result.model.name, predictionsPath: result.predictions.path };
}

/** MLflow's --backend-store-uri for a store our workspace reports: a file: URI as its folder, anything else as it is. */
export function backendStoreUri(trackingUri: string): string {
  return trackingUri.startsWith('file:') ? fileURLToPath(trackingUri) : trackingUri;
}
