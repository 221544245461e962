import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openDatabricksWorkspace } from '../../../src/workspace/databricks/workspace.js';

/**
 * Against a real workspace, only when one is configured: DATABRICKS_HOST plus DATABRICKS_TOKEN
 * (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET). Optional: DATABRICKS_WAREHOUSE_ID for
 * SQL, MLOPS_LIVE_VOLUME (/Volumes/<catalog>/<schema>/<volume>) for file round trips.
 */
const env = process.env;
const hasHost = Boolean(env.DATABRICKS_HOST);
const hasCredentials = Boolean(env.DATABRICKS_TOKEN) || (Boolean(env.DATABRICKS_CLIENT_ID) && Boolean(env.DATABRICKS_CLIENT_SECRET));
const live = hasHost && hasCredentials;

if (!live) {
  console.warn('Databricks live tests SKIPPED: set DATABRICKS_HOST and DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID/_SECRET) to run them against a real workspace.');
}

describe.runIf(live)('live Databricks workspace', () => {
  const open = () => openDatabricksWorkspace({}, { env });

  it('authenticates and knows who the credentials belong to', async () => {
    const ws = await open();
    const me = await ws.identity.me();
    expect(me.userName).not.toBe('');
  });

  it.runIf(Boolean(env.MLOPS_LIVE_VOLUME))('round-trips a file through the Files API and removes it', async () => {
    const ws = await open();
    const path = `${env.MLOPS_LIVE_VOLUME!.replace(/\/+$/, '')}/mlops-e2e-live-${randomUUID()}/hello.txt`;
    await ws.volumes.write(path, 'hello from mlops-e2e');
    expect(new TextDecoder().decode(await ws.volumes.read(path))).toBe('hello from mlops-e2e');
    await ws.volumes.delete(path.slice(0, path.lastIndexOf('/')));
    expect(await ws.volumes.exists(path)).toBe(false);
  });

  it.runIf(Boolean(env.DATABRICKS_WAREHOUSE_ID))('runs a statement on the warehouse and reads both result formats', async () => {
    const ws = await open();
    const inline = await ws.statements.query('SELECT 40 + 2 AS answer');
    expect(Number(inline.getChild('answer')?.get(0))).toBe(42);
    const links = await ws.statements.query('SELECT id FROM range(5)', { disposition: 'EXTERNAL_LINKS', format: 'ARROW_STREAM' });
    expect(links.numRows).toBe(5);
  });
});
