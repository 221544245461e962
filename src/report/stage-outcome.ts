import type { StageName } from '../config/types.js';
import type { StageRecord } from '../pipeline/result.js';
import type { ReportedJobResult } from './data.js';
import { formatDuration } from './format.js';
import { html, type SafeHtml } from './html.js';

export type StageOutcome =
  | { kind: 'ran'; record: StageRecord }
  | { kind: 'failed'; record: StageRecord; error: string }
  | { kind: 'skipped'; record: StageRecord; stoppedBy: StageRecord | undefined }
  | { kind: 'not-in-job' };

/** What happened to one stage in this run, and which stage stopped the run when it was skipped. */
export function stageOutcome(result: ReportedJobResult, stage: StageName): StageOutcome {
  const record = result.stages.find((s) => s.name === stage);
  if (!record) return { kind: 'not-in-job' };
  if (record.status === 'failed' || record.status === 'cancelled') {
    return { kind: 'failed', record, error: result.failure?.stage === stage ? result.failure.message : (record.error ?? 'no error message was recorded') };
  }
  if (record.status === 'skipped') {
    return { kind: 'skipped', record, stoppedBy: result.stages.find((s) => s.status === 'failed' || s.status === 'rejected' || s.status === 'cancelled') };
  }
  return { kind: 'ran', record };
}

/**
 * The notice a section shows instead of its content when its stage did not produce anything;
 * undefined when the stage ran (a rejected approval ran: its verdict is the content).
 */
export function notRunNotice(result: ReportedJobResult, stage: StageName): SafeHtml | undefined {
  const outcome = stageOutcome(result, stage);
  switch (outcome.kind) {
    case 'ran':
      return undefined;
    case 'not-in-job':
      return html`<p class="notice notice-muted">Not part of this run: the ${result.job} job has no ${stage} stage.</p>`;
    case 'skipped':
      return html`<p class="notice notice-muted">Not run: the run stopped earlier${
        outcome.stoppedBy ? html`, at <strong>${outcome.stoppedBy.name}</strong> (${outcome.stoppedBy.status})` : ''
      }.</p>`;
    case 'failed':
      return html`<div class="notice notice-failed"><p><strong>${stage} failed</strong> after ${formatDuration(outcome.record.duration_ms)}${
        result.failure?.stage === stage ? html` with <code>${result.failure.code}</code>` : ''
      }:</p><pre class="error">${outcome.error}</pre></div>`;
  }
}
