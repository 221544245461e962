import { afterEach } from 'vitest';
import { StorageClient } from '../../../src/workspace/databricks/cloud-storage.js';
import { PatCredentials } from '../../../src/workspace/databricks/credentials.js';
import { DatabricksClient } from '../../../src/workspace/databricks/http-client.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { FakeDatabricks, type FakeDatabricksOptions } from './server.js';

/** A fresh fake workspace per call, closed after the test that made it. */
export function useFakeDatabricks(): (options?: Partial<FakeDatabricksOptions>) => Promise<FakeDatabricks> {
  const tempDir = useTempDirs();
  const started: FakeDatabricks[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((fake) => fake.close()));
  });
  return async (options = {}) => {
    const fake = await FakeDatabricks.start({ dataDir: await tempDir(), ...options });
    started.push(fake);
    return fake;
  };
}

/** Waits nobody: records each back-off the client asks for (clients given it pin their jitter to the full step). */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  };
}

export function patClient(fake: FakeDatabricks, sleep?: (ms: number) => Promise<void>): { client: DatabricksClient; storage: StorageClient } {
  const pinned = sleep ? { sleep, random: () => 1 } : {};
  const client = new DatabricksClient({ host: fake.url, credentials: new PatCredentials(fake.token), ...pinned });
  const storage = new StorageClient(pinned);
  return { client, storage };
}
