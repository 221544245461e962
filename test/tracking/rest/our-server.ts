import { logRoute } from '../../helpers/route-log.js';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startTrackingServer, type RunningTrackingServer } from '../../../src/tracking/server/server.js';
import { useTempDirs } from '../../helpers/temp-dir.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

type Decide = Parameters<typeof startFaultProxy>[1];

export interface OurServers {
  /** Our tracking server over a fresh temp folder (`dir`, with the store in dir/mlruns). */
  start(): Promise<{ dir: string; server: RunningTrackingServer }>;
  /** The same, behind a fault proxy that injects the faults `decide` picks. */
  startBehindProxy(decide: Decide): Promise<{ dir: string; server: RunningTrackingServer; proxy: FaultProxy }>;
}

/** Starts our tracking server (optionally behind a fault proxy) per test; everything is closed after the test. */
export function useOurServers(): OurServers {
  const tempDir = useTempDirs();
  const servers: RunningTrackingServer[] = [];
  const proxies: FaultProxy[] = [];
  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close();
    for (const server of servers.splice(0)) await server.close();
  });
  const start = async () => {
    const dir = await tempDir();
    const server = await startTrackingServer({ root: join(dir, 'mlruns'), onRequest: (event) => logRoute('tracking', event.method, event.path) });
    servers.push(server);
    return { dir, server };
  };
  return {
    start,
    async startBehindProxy(decide) {
      const started = await start();
      const proxy = await startFaultProxy(started.server.url, decide);
      proxies.push(proxy);
      return { ...started, proxy };
    },
  };
}
