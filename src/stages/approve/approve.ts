import type { ApprovalSummary, EvaluationSummary } from '../../pipeline/state.js';
import type { StageContext } from '../context.js';
import { decideApproval } from './decide.js';

export const APPROVAL_STATUS_TAG = 'mlops.approval_status';
export const APPROVAL_REASONS_TAG = 'mlops.approval_reasons';

/**
 * Applies the target's thresholds to an evaluation and records the verdict where reviewers look:
 * version tags, the version description, and a verdict.json artifact on the evaluation run.
 */
export async function runApprove(ctx: StageContext, evaluation: EvaluationSummary): Promise<ApprovalSummary> {
  const { registry, tracking } = ctx.workspace;
  const options = { signal: ctx.signal };
  const { model } = evaluation;
  const verdict = decideApproval({
    metrics: evaluation.metrics,
    championMetrics: evaluation.champion?.metrics,
    config: ctx.config.approval,
  });
  const decidedAt = new Date(ctx.now()).toISOString();
  const record = { model_name: model.name, model_version: model.version, decided_at: decidedAt, target: ctx.config.target, ...verdict };
  await tracking.logArtifact(evaluation.run_id, 'approval/verdict.json', JSON.stringify(record, null, 2), options);
  await tracking.logBatch(evaluation.run_id, { tags: { [APPROVAL_STATUS_TAG]: verdict.status } }, options);

  const summary = verdict.reasons.length > 0 ? verdict.reasons.join('; ') : verdict.checks.map((c) => c.reason).join('; ') || `approval mode ${verdict.mode}`;
  await registry.setModelVersionTag(model.name, model.version, APPROVAL_REASONS_TAG, summary, options);
  await registry.setModelVersionTag(model.name, model.version, 'mlops.approval_mode', verdict.mode, options);
  // The status tag goes last: deploy trusts it, so it must not exist before the reasons do.
  await registry.setModelVersionTag(model.name, model.version, APPROVAL_STATUS_TAG, verdict.status, options);
  await registry.updateModelVersion(
    model.name,
    model.version,
    { description: `${verdict.status === 'approved' ? 'Approved' : 'Rejected'} on ${decidedAt} (${ctx.config.target}, mode ${verdict.mode}): ${summary}` },
    options,
  );
  ctx.reporter.report({ type: 'log', stage: 'approve', message: `${model.name} version ${model.version}: ${verdict.status} — ${summary}` });
  return { model, verdict };
}
