#!/usr/bin/env node
// `npm run test:interop`: provision the real peers, then run test/interop/ with vitest.
// Without Python or Java on a developer machine the suite says what is missing and is skipped
// (exit 0); under CI=true a missing peer fails the run, so CI never passes without the peers.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENVS_DIR, provision } from './provision.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inCi = /^(1|true|yes)$/i.test(process.env.CI ?? '');

let result;
try {
  result = provision();
} catch (error) {
  process.stderr.write(`interop: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
if (result.missing.length > 0) {
  const list = result.missing.map((m) => `  - ${m}`).join('\n');
  if (inCi) {
    process.stderr.write(`interop: FAILED — CI=true and this machine lacks:\n${list}\n`);
    process.exit(1);
  }
  process.stderr.write(`interop: SKIPPED — the interop suite needs what this machine lacks:\n${list}\nInstall it and run \`npm run test:interop\` again.\n`);
  process.exit(0);
}

const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.interop.config.ts', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, MLOPS_INTEROP_ENVS: ENVS_DIR, ...(result.java ? { MLOPS_INTEROP_JAVA: result.java } : {}) },
});
process.exit(run.status ?? 1);
