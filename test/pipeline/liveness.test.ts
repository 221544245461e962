import { describe, expect, it } from 'vitest';
import { HEARTBEAT_STALE_MS, RUN_HEARTBEAT_TAG, RUN_HOST_TAG, RUN_PID_TAG, runLiveness } from '../../src/pipeline/liveness.js';

const NOW = 1_700_000_000_000;
const probe = (alive: number[]) => ({ now: NOW, host: 'here', isAlive: (pid: number) => alive.includes(pid) });
const tags = (pid: number, host: string, beat: number) => ({ [RUN_PID_TAG]: String(pid), [RUN_HOST_TAG]: host, [RUN_HEARTBEAT_TAG]: String(beat) });

describe('runLiveness', () => {
  it('a run that ended is ended, whatever its tags', () => {
    expect(runLiveness('FINISHED', tags(1, 'here', 0), probe([]))).toEqual({ state: 'ended' });
    expect(runLiveness('FAILED', {}, probe([]))).toEqual({ state: 'ended' });
  });
  it('a RUNNING run on this host whose pid is gone was killed, even with a fresh heartbeat', () => {
    expect(runLiveness('RUNNING', tags(42, 'here', NOW), probe([]))).toEqual({ state: 'killed', reason: 'its process (pid 42 on here) is gone' });
    expect(runLiveness('RUNNING', tags(42, 'here', NOW), probe([42]))).toEqual({ state: 'running' });
  });
  it('on another host the pid cannot be asked: a stale heartbeat decides', () => {
    expect(runLiveness('RUNNING', tags(42, 'there', NOW - 1000), probe([]))).toEqual({ state: 'running' });
    const stale = runLiveness('RUNNING', tags(42, 'there', NOW - HEARTBEAT_STALE_MS - 1), probe([]));
    expect(stale.state).toBe('killed');
  });
  it('a live pid with a stale heartbeat (the pid was reused) counts as killed', () => {
    expect(runLiveness('RUNNING', tags(42, 'here', NOW - HEARTBEAT_STALE_MS - 1), probe([42])).state).toBe('killed');
  });
  it('a RUNNING run without these tags (an older release, another tool) keeps its status', () => {
    expect(runLiveness('RUNNING', {}, probe([]))).toEqual({ state: 'running' });
  });
});
