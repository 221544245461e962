#!/usr/bin/env node
// Provisions the real peers of the interop suite: one Python virtual environment per requirements
// file in interop/requirements/, reachable as .interop/envs/<env> (git-ignored). The env itself is
// built once per machine under $MLOPS_INTEROP_HOME (default ~/.cache/mlops-e2e/interop), in a folder
// named by the hash of its requirements file and the Python that built it, so a fresh clone (CI
// clones anew for every run) reuses it and a changed pin builds a new one. Java 17+ is checked for Spark.
//
//   node interop/provision.mjs [env…]     (default: every env)
//
// Exit codes: 0 all present; 1 an install failed; 3 something the machine lacks (python3, venv, java),
// each named on stderr. As a module: `provision(envs)` returns { envs: {name: {python, reused}}, missing }.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REQUIREMENTS = path.join(ROOT, 'interop', 'requirements');
export const ENVS_DIR = path.join(ROOT, '.interop', 'envs');
const HOME_DIR = process.env.MLOPS_INTEROP_HOME ?? path.join(os.homedir(), '.cache', 'mlops-e2e', 'interop');
const MIN_JAVA = 17;

export function knownEnvs() {
  return readdirSync(REQUIREMENTS)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -'.txt'.length))
    .sort();
}

export function pythonOf(env) {
  return path.join(ENVS_DIR, env, 'bin', 'python');
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { encoding: 'utf8', ...options });
}

/** The system Python that builds the envs: $MLOPS_INTEROP_PYTHON, else python3 on PATH. */
function basePython() {
  const python = process.env.MLOPS_INTEROP_PYTHON ?? 'python3';
  const probe = run(python, ['-c', 'import sys, venv, ensurepip; print("%d.%d.%d" % sys.version_info[:3])']);
  if (probe.error || probe.status !== 0) {
    return { missing: `python3 with the venv and ensurepip modules (tried "${python}": ${probe.error?.code ?? probe.stderr.trim().split('\n').pop()})` };
  }
  const version = probe.stdout.trim();
  const [major, minor] = version.split('.').map(Number);
  if (major !== 3 || minor < 10) return { missing: `python 3.10 or newer (found ${version} at "${python}")` };
  return { python, version };
}

/** Java for Spark: JAVA_HOME/bin/java, else java on PATH; Spark 4 needs 17 or newer. */
export function checkJava() {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = run(java, ['-version']);
  if (probe.error || probe.status !== 0) return { missing: `Java ${MIN_JAVA}+ for Spark (tried "${java}": ${probe.error?.code ?? 'exit ' + probe.status})` };
  const match = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr + probe.stdout);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : NaN;
  if (!(major >= MIN_JAVA)) return { missing: `Java ${MIN_JAVA}+ for Spark (found "${(probe.stderr.split('\n')[0] ?? '').trim()}")` };
  return { java, major };
}

function stampOf(env, pythonVersion) {
  const requirements = readFileSync(path.join(REQUIREMENTS, `${env}.txt`));
  return createHash('sha256').update(requirements).update(`\npython ${pythonVersion}\n`).digest('hex');
}

function provisionEnv(env, base, log) {
  const stamp = stampOf(env, base.version);
  const dir = path.join(HOME_DIR, `${env}-${stamp.slice(0, 16)}`);
  const link = path.join(ENVS_DIR, env);
  mkdirSync(ENVS_DIR, { recursive: true });
  rmSync(link, { recursive: true, force: true });
  symlinkSync(dir, link);
  const stampFile = path.join(dir, '.provisioned');
  const isReady = () => existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === stamp && existsSync(path.join(dir, 'bin', 'python'));
  if (isReady()) return { python: pythonOf(env), reused: true };
  // Two checkouts on one machine (worktrees, a CI clone) may provision at once: one builds, the other waits.
  const release = lockBuild(`${dir}.lock`, log);
  try {
    if (isReady()) return { python: pythonOf(env), reused: true };
    return buildEnv(env, base, dir, stamp, stampFile, log);
  } finally {
    release();
  }
}

function lockBuild(lockDir, log) {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 45 * 60_000;
  let said = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = Number(existsSync(path.join(lockDir, 'pid')) ? readFileSync(path.join(lockDir, 'pid'), 'utf8') : NaN);
    if (Number.isInteger(holder) && !isAlive(holder)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`waited 45 min for ${lockDir} (held by pid ${holder})`);
    if (!said) log(`interop: another process (pid ${holder}) is building this env; waiting …`);
    said = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function buildEnv(env, base, dir, stamp, stampFile, log) {
  // The stamp is written last, so an interrupted install is rebuilt, never mistaken for a finished one.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(HOME_DIR, { recursive: true });
  log(`interop: building Python env "${env}" from interop/requirements/${env}.txt in ${dir} …`);
  const started = Date.now();
  let step = run(base.python, ['-m', 'venv', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (step.status !== 0) throw new Error(`python -m venv ${dir} failed (exit ${step.status})`);
  const pip = [pythonOf(env), '-m', 'pip', '--disable-pip-version-check', '--no-input'];
  step = run(pip[0], [...pip.slice(1), 'install', '--quiet', '-r', path.join(REQUIREMENTS, `${env}.txt`)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (step.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pip install -r interop/requirements/${env}.txt failed (exit ${step.status}); see pip's output above`);
  }
  const freeze = run(pip[0], [...pip.slice(1), 'freeze']);
  writeFileSync(path.join(dir, 'freeze.txt'), freeze.stdout);
  writeFileSync(stampFile, `${stamp}\n`);
  log(`interop: env "${env}" ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { python: pythonOf(env), reused: false };
}

/** Provisions the named envs; returns what is ready and what the machine lacks. Throws if pip fails. */
export function provision(envs = knownEnvs(), { log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const unknown = envs.filter((env) => !knownEnvs().includes(env));
  if (unknown.length > 0) throw new Error(`unknown interop env(s) ${unknown.join(', ')}; expected one of ${knownEnvs().join(', ')}`);
  const missing = [];
  const base = basePython();
  if (base.missing) missing.push(base.missing);
  const java = checkJava();
  if (java.missing) missing.push(java.missing);
  const ready = {};
  if (!base.missing) {
    for (const env of envs) ready[env] = provisionEnv(env, base, log);
  }
  return { envs: ready, missing, java: java.java };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const envs = process.argv.slice(2);
  try {
    const result = provision(envs.length > 0 ? envs : undefined);
    for (const [env, { python, reused }] of Object.entries(result.envs)) {
      process.stdout.write(`${env}\t${python}\t${reused ? 'reused' : 'built'}\n`);
    }
    if (result.missing.length > 0) {
      process.stderr.write(`interop: this machine lacks:\n${result.missing.map((m) => `  - ${m}`).join('\n')}\n`);
      process.exit(3);
    }
  } catch (error) {
    process.stderr.write(`interop: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
