import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/tracking/sql-store/connection.js';
import { SqlModelRegistry } from '../../../src/tracking/sql-store/registry-sql-store.js';
import { SqlTrackingStore } from '../../../src/tracking/sql-store/tracking-sql-store.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));
const WRITER = fileURLToPath(new URL('./concurrent-writer.mjs', import.meta.url));

function writer(args: string[]): Promise<{ runId: string; versions: string[] }> {
  const child = spawn(process.execPath, [WRITER, DIST, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim())) : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
}

describe('two processes writing one SQLite store at once', () => {
  it('lose no metric and never hand out one version number twice', async () => {
    const dir = await tempDir();
    const database = join(dir, 'mlflow.db');
    const connection = new SqliteConnection(database);
    const tracking = new SqlTrackingStore({ connection, uri: `sqlite:///${database}`, artifactsDestination: join(dir, 'mlartifacts') });
    const registry = new SqlModelRegistry({ connection });
    const experimentId = await tracking.createExperiment('concurrent');
    await registry.createRegisteredModel('shared');
    const [a, b] = await Promise.all([writer([database, experimentId, 'a', '40', '15']), writer([database, experimentId, 'b', '40', '15'])]);
    for (const result of [a, b]) {
      const history = await tracking.getMetricHistory(result.runId, 'm');
      expect(history).toHaveLength(2_000);
      expect(new Set(history.map((metric) => metric.step)).size).toBe(2_000);
      expect((await tracking.getRun(result.runId)).data.metrics['m']?.value).toBe(1_999);
    }
    const versions = (await registry.listModelVersions('shared')).map((version) => Number(version.version)).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect([...a.versions, ...b.versions].map(Number).sort((x, y) => x - y)).toEqual(versions);
    const byWriter = await registry.searchModelVersions({ filter: "tags.writer = 'a'" });
    expect(byWriter.items.map((version) => version.version).sort()).toEqual([...a.versions].sort());
    connection.close();
  });
});
