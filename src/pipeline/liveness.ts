import { hostname } from 'node:os';
import { isProcessAlive } from '../io/pid-lock.js';
import type { TrackingStore } from '../tracking/types.js';

/**
 * A job run's MLflow status says RUNNING from its start until its process records the end. A process
 * that dies (kill -9, a power cut) never records it, so the run carries who runs it — the pid and
 * host, the same pid its workspace lock holds — and a heartbeat the process renews while it works.
 * Whoever reads the run can then tell a run in progress from one whose process is gone.
 */
export const RUN_PID_TAG = 'mlops.pid';
export const RUN_HOST_TAG = 'mlops.host';
export const RUN_HEARTBEAT_TAG = 'mlops.heartbeat';

/** How often a running job renews its heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** A heartbeat older than this (several missed renewals) means the process is gone. */
export const HEARTBEAT_STALE_MS = 4 * HEARTBEAT_INTERVAL_MS;

export interface LivenessProbe {
  now: number;
  /** This machine's host name: a pid can only be checked on its own host. */
  host: string;
  isAlive(pid: number): boolean;
}

export type Liveness = { state: 'running' } | { state: 'killed'; reason: string } | { state: 'ended' };

/** Pure: whether a run whose status is `status` and whose tags are `tags` is in progress, ended, or was killed. */
export function runLiveness(status: string, tags: Record<string, string>, probe: LivenessProbe): Liveness {
  if (status !== 'RUNNING') return { state: 'ended' };
  const pid = Number(tags[RUN_PID_TAG]);
  const host = tags[RUN_HOST_TAG];
  const beat = Number(tags[RUN_HEARTBEAT_TAG]);
  // Runs of an earlier release carry none of these: nothing to judge by, so they keep their status.
  if (!Number.isInteger(pid) && !Number.isFinite(beat)) return { state: 'running' };
  if (host === probe.host && Number.isInteger(pid) && pid > 0 && !probe.isAlive(pid)) {
    return { state: 'killed', reason: `its process (pid ${pid} on ${host}) is gone` };
  }
  if (Number.isFinite(beat) && probe.now - beat > HEARTBEAT_STALE_MS) {
    return { state: 'killed', reason: `no heartbeat since ${new Date(beat).toISOString()}` };
  }
  return { state: 'running' };
}

/** The probe for this process: the clock, this host, and signal 0 to the pid. */
export function localProbe(now = Date.now()): LivenessProbe {
  return { now, host: hostname(), isAlive: isProcessAlive };
}

/** The tags a job run starts with: who runs it, and its first heartbeat. */
export function ownerTags(now: number): Record<string, string> {
  return { [RUN_PID_TAG]: String(process.pid), [RUN_HOST_TAG]: hostname(), [RUN_HEARTBEAT_TAG]: String(now) };
}

/**
 * Renews the run's heartbeat every interval until stopped. A failed renewal is ignored (the next one
 * may succeed; a run whose heartbeats all fail is judged by its pid on this host). The timer does
 * not keep the process alive.
 */
export function startHeartbeat(tracking: TrackingStore, runId: string, options: { now?: () => number; intervalMs?: number } = {}): () => Promise<void> {
  const now = options.now ?? Date.now;
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = tracking.setTag(runId, RUN_HEARTBEAT_TAG, String(now())).catch(() => {});
  }, options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await pending;
  };
}
