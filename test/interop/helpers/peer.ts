import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on 127.0.0.1, as the OS hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartPeerOptions {
  /** Shown in errors: "mlflow server 3.x", "spark connect". */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Ready when this URL answers 2xx… */
  readyUrl?: string;
  /** …or when this port accepts a TCP connection. */
  readyPort?: number;
  timeoutMs?: number;
}

export interface Peer {
  pid: number;
  /** The last lines the peer printed (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM to the peer's whole process group (servers fork workers), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

const running = new Set<Peer>();
// A test process that dies with peers still up must not leave JVMs and servers behind.
process.once('exit', () => {
  for (const peer of running) {
    try {
      process.kill(-peer.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Starts a peer in its own process group and waits until it is ready; stops it if it never is. */
export async function startPeer(options: StartPeerOptions): Promise<Peer> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n'));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const peer: Peer = {
    pid: child.pid ?? -1,
    output: () => lines.join('\n'),
    stop: () => stopGroup(child).finally(() => running.delete(peer)),
  };
  running.add(peer);
  try {
    await waitReady(child, options, peer);
  } catch (error) {
    await peer.stop();
    throw error;
  }
  return peer;
}

async function waitReady(child: ChildProcess, options: StartPeerOptions, peer: Peer): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${peer.output().slice(-6000)}`);
    }
    if (await isReady(options)) return;
    await sleep(250);
  }
  throw new Error(`${options.name} was not ready within ${(options.timeoutMs ?? 180_000) / 1000} s:\n${peer.output().slice(-6000)}`);
}

async function isReady(options: StartPeerOptions): Promise<boolean> {
  if (options.readyUrl) {
    try {
      const response = await fetch(options.readyUrl, { signal: AbortSignal.timeout(2000) });
      return response.ok;
    } catch {
      return false;
    }
  }
  if (options.readyPort) {
    return new Promise((resolve) => {
      const socket = connect(options.readyPort!, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }
  return true;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  // Workers that ignored SIGTERM after their parent left.
  signalGroup('SIGKILL');
}
