import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/types.js';
import { buildJobResult, jobResultToJson } from '../../src/pipeline/result.js';
import type { Workspace } from '../../src/workspace/types.js';

const config = { target: 'dev', trackingUri: 'file:///tmp/mlruns' } as ResolvedConfig;
const workspace = { kind: 'local', location: '/tmp/.mlops' } as Workspace;
const model = { name: 'c.s.m', version: '2', uri: 'models:/c.s.m/2' };

describe('buildJobResult', () => {
  it('lifts the model to the top level and keeps stage details without it', () => {
    const result = buildJobResult({
      runId: 'r',
      job: 'model_deployment_job',
      config,
      workspace,
      stages: [{ name: 'deploy', status: 'succeeded', duration_ms: 5 }],
      status: 'succeeded',
      startedAt: Date.UTC(2026, 0, 1),
      finishedAt: Date.UTC(2026, 0, 1) + 1500,
      state: { deployment: { model, alias: 'champion', changed: true, previous_champion: '1' } },
    });
    expect(result.model).toEqual(model);
    expect(result.deployment).toEqual({ alias: 'champion', changed: true, previous_champion: '1' });
    expect(result.duration_ms).toBe(1500);
    expect(result.started_at).toBe('2026-01-01T00:00:00.000Z');
    expect(result.tracking).toEqual({ uri: 'file:///tmp/mlruns' });
  });

  it('prints a failure without its cause object', () => {
    const result = buildJobResult({
      runId: 'r',
      job: 'pipeline_job',
      config,
      workspace,
      stages: [],
      status: 'failed',
      startedAt: 0,
      finishedAt: 0,
      state: {},
      failure: { stage: 'ingest', code: 'NOT_FOUND', message: 'no folder', cause: new Error('inner') },
    });
    expect(JSON.parse(jobResultToJson(result)).failure).toEqual({ stage: 'ingest', code: 'NOT_FOUND', message: 'no folder' });
  });
});
