import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';

/**
 * The tags MLflow's fluent API sets on every run, so runs we create look like runs MLflow
 * created in the MLflow UI (source, user, and the git commit when run from a checkout).
 */
export async function systemTags(options: { sourceName: string; cwd: string; user?: string }): Promise<Record<string, string>> {
  const tags: Record<string, string> = {
    'mlflow.source.name': options.sourceName,
    'mlflow.source.type': 'LOCAL',
    'mlflow.user': options.user ?? safeUser(),
  };
  const commit = await gitCommit(options.cwd);
  if (commit) tags['mlflow.source.git.commit'] = commit;
  return tags;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Reads HEAD's commit from the nearest .git folder without running git. */
export async function gitCommit(start: string): Promise<string | undefined> {
  let dir = start;
  for (;;) {
    const gitDir = join(dir, '.git');
    const head = await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => undefined);
    if (head !== undefined) return resolveHead(gitDir, head.trim());
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function resolveHead(gitDir: string, head: string): Promise<string | undefined> {
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  const loose = await readFile(join(gitDir, ref), 'utf8').catch(() => undefined);
  if (loose) return loose.trim();
  const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
  const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
  return line?.split(' ')[0];
}
