import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The interop Python environments, one per file in interop/requirements/. */
export type PythonEnv = 'mlflow3' | 'mlflow2';

const DEFAULT_ENVS = fileURLToPath(new URL('../../../.interop/envs', import.meta.url));

/** Where interop/run.mjs provisioned the envs (it passes MLOPS_INTEROP_ENVS). */
export function envsDir(): string {
  return process.env.MLOPS_INTEROP_ENVS ?? DEFAULT_ENVS;
}

export function pythonOf(env: PythonEnv): string {
  return path.join(envsDir(), env, 'bin', 'python');
}

export interface PythonRun {
  stdout: string;
  stderr: string;
}

export interface RunPythonOptions {
  args?: string[];
  /** Written to the script's stdin, then closed. */
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs a Python script (source text) in an interop env and resolves with its output; rejects with
 * the script's stderr when it exits non-zero, so a failing peer shows its own traceback.
 */
export function runPython(env: PythonEnv, script: string, options: RunPythonOptions = {}): Promise<PythonRun> {
  const child = spawn(pythonOf(env), ['-c', script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    signal: options.signal,
    timeout: options.timeoutMs ?? 240_000,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`python (${env}) exited ${code ?? signal}:\n${stderr.slice(-8000)}`));
    });
  });
}

/** Runs a script that prints one JSON document as its last stdout line, and parses it. */
export async function runPythonJson<T>(env: PythonEnv, script: string, options: RunPythonOptions = {}): Promise<T> {
  const { stdout } = await runPython(env, script, options);
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`python (${env}) did not end with a JSON line; stdout was:\n${stdout.slice(-4000)}`);
  }
}
