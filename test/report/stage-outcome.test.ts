import { describe, expect, it } from 'vitest';
import { notRunNotice, stageOutcome } from '../../src/report/stage-outcome.js';
import { failedRun, rejectedRun, succeededRun } from './sample-data.js';

describe('stageOutcome and notRunNotice', () => {
  it('a stage that ran, rejected included, needs no notice', () => {
    expect(stageOutcome(succeededRun().result, 'train').kind).toBe('ran');
    expect(stageOutcome(rejectedRun().result, 'approve').kind).toBe('ran');
    expect(notRunNotice(rejectedRun().result, 'approve')).toBeUndefined();
  });

  it('a skipped stage names the stage that stopped the run', () => {
    const result = rejectedRun().result;
    expect(stageOutcome(result, 'deploy')).toMatchObject({ kind: 'skipped', stoppedBy: { name: 'approve', status: 'rejected' } });
    expect(notRunNotice(result, 'deploy')!.value).toContain('at <strong>approve</strong> (rejected)');
  });

  it('a failed stage shows its error code and message, escaped', () => {
    const data = failedRun();
    data.result.failure!.message = 'bad <path>';
    const notice = notRunNotice(data.result, 'train')!.value;
    expect(notice).toContain('<code>NOT_FOUND</code>');
    expect(notice).toContain('bad &lt;path&gt;');
  });

  it('a stage the job does not have says so', () => {
    const result = { ...succeededRun().result, job: 'batch_inference_job' as const, stages: [{ name: 'score' as const, status: 'succeeded' as const, duration_ms: 5 }] };
    expect(stageOutcome(result, 'ingest').kind).toBe('not-in-job');
    expect(notRunNotice(result, 'ingest')!.value).toContain('the batch_inference_job job has no ingest stage');
  });
});
