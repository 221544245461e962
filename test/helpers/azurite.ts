import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll } from 'vitest';

/** azurite's fixed development account (public, documented by Microsoft: not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The account's Blob endpoint: <origin>/devstoreaccount1 */
  blobEndpoint: string;
  connectionString: string;
  service: BlobServiceClient;
  stop(): Promise<void>;
}

const AZURITE_BLOB_MAIN = fileURLToPath(new URL('../../node_modules/azurite/dist/src/blob/main.js', import.meta.url));

/**
 * Starts azurite's Blob service from node_modules: on 127.0.0.1, a port the OS picks, in memory, and
 * quiet. `--skipApiVersionCheck` because the SDK is newer than the emulator; `--loose` so headers it
 * does not implement are ignored rather than rejected.
 */
export async function startAzurite(): Promise<Azurite> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'mlops-azurite-'));
  const child = spawn(
    process.execPath,
    [AZURITE_BLOB_MAIN, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--extentMemoryLimit', '1024', '--skipApiVersionCheck', '--disableTelemetry', '--loose', '--silent'],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let origin: string;
  try {
    origin = await listeningOrigin(child);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(cwd, { recursive: true, force: true });
    throw error;
  }
  const blobEndpoint = `${origin}/${AZURITE_ACCOUNT}`;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;
  return {
    origin,
    blobEndpoint,
    connectionString,
    service: BlobServiceClient.fromConnectionString(connectionString),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

/** One azurite for the enclosing describe block (or file), stopped after it. */
export function useAzurite(): () => Azurite {
  let azurite: Azurite | undefined;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });
  return () => {
    if (azurite === undefined) throw new Error('azurite is not started: call useAzurite() at describe level and use it inside tests');
    return azurite;
  };
}

/**
 * Creates the container and uploads every file of a local folder under `<folder>/` in it; returns the
 * folder's abfss:// URL (a connection string to this azurite makes it reach the emulator).
 */
export async function uploadLanding(azurite: Azurite, container: string, localDir: string, folder = 'landing'): Promise<string> {
  const client = azurite.service.getContainerClient(container);
  await client.create();
  for (const name of await readdir(localDir)) {
    const bytes = await readFile(path.join(localDir, name));
    await client.getBlockBlobClient(`${folder}/${name}`).upload(bytes, bytes.length);
  }
  return `abfss://${container}@${AZURITE_ACCOUNT}.dfs.core.windows.net/${folder}`;
}

function listeningOrigin(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`azurite did not start within 30 s; it said: ${output}`)), 30_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        // Keep draining so a full pipe never blocks the emulator.
        child.stdout?.resume();
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite exited with ${code} before listening: ${output}`));
    });
  });
}
