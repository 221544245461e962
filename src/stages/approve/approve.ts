import type { ApprovalSummary, EvaluationSummary } from '../state.js';
import type { StageContext } from '../context.js';
import { decideApproval, type ApprovalVerdict } from './decide.js';
import { humanDecisionFromTags, parseRequireHumanApproval } from './human.js';
import { APPROVAL_MODE_TAG, APPROVAL_REASONS_TAG, APPROVAL_STATUS, APPROVAL_STATUS_TAG, EVALUATION_RUN_TAG } from './tags.js';

export { APPROVAL_REASONS_TAG, APPROVAL_STATUS_TAG } from './tags.js';

/** Where the verdict is stored in the evaluation run's artifacts. */
export const VERDICT_ARTIFACT = 'approval/verdict.json';

/**
 * Applies the target's thresholds to an evaluation and records the verdict where reviewers look:
 * a verdict.json artifact on the evaluation run, version tags, and the version description.
 * A person's decision recorded with `mlops approve` is honoured, and when the variable
 * require_human_approval is true a version that passes the rules waits for one.
 */
export async function runApprove(ctx: StageContext, evaluation: EvaluationSummary): Promise<ApprovalSummary> {
  const { registry, tracking } = ctx.workspace;
  const options = { signal: ctx.signal };
  const { model } = evaluation;
  const version = await registry.getModelVersion(model.name, model.version, options);
  const human = humanDecisionFromTags(version.tags);
  const verdict = decideApproval({
    metrics: evaluation.metrics,
    championMetrics: evaluation.champion?.metrics,
    config: ctx.config.approval,
    requireHumanApproval: parseRequireHumanApproval(ctx.config.variables['require_human_approval']),
    ...(human ? { human } : {}),
  });
  const decidedAt = new Date(ctx.now()).toISOString();
  const status = statusTag(verdict);
  const record = {
    model_name: model.name,
    model_version: model.version,
    decided_at: decidedAt,
    target: ctx.config.target,
    evaluation_run_id: evaluation.run_id,
    dataset_digest: evaluation.dataset_digest,
    champion_version: evaluation.champion?.version ?? null,
    status_tag: status,
    ...verdict,
  };
  await tracking.logArtifact(evaluation.run_id, VERDICT_ARTIFACT, JSON.stringify(record, null, 2), options);
  await tracking.logBatch(evaluation.run_id, { tags: { [APPROVAL_STATUS_TAG]: status } }, options);

  const summary = summarise(verdict, model.name, model.version);
  await registry.setModelVersionTag(model.name, model.version, APPROVAL_REASONS_TAG, summary, options);
  await registry.setModelVersionTag(model.name, model.version, APPROVAL_MODE_TAG, verdict.mode, options);
  await registry.setModelVersionTag(model.name, model.version, EVALUATION_RUN_TAG, evaluation.run_id, options);
  // The status tag goes last: deploy trusts it, so it must not exist before the reasons do.
  await registry.setModelVersionTag(model.name, model.version, APPROVAL_STATUS_TAG, status, options);
  const heading = status === APPROVAL_STATUS.approved ? 'Approved' : status === APPROVAL_STATUS.pendingHuman ? 'Awaiting human approval' : 'Rejected';
  await registry.updateModelVersion(model.name, model.version, { description: `${heading} on ${decidedAt} (${ctx.config.target}, mode ${verdict.mode}): ${summary}` }, options);
  ctx.reporter.report({ type: 'log', stage: 'approve', message: `${model.name} version ${model.version}: ${status} — ${summary}` });
  return { model, verdict };
}

function statusTag(verdict: ApprovalVerdict): string {
  if (verdict.status === 'approved') return APPROVAL_STATUS.approved;
  return verdict.awaiting === 'human_approval' ? APPROVAL_STATUS.pendingHuman : APPROVAL_STATUS.rejected;
}

function summarise(verdict: ApprovalVerdict, name: string, version: string): string {
  if (verdict.awaiting === 'human_approval') {
    const passed = verdict.checks.map((c) => c.reason).join('; ');
    return `${passed ? `${passed}; ` : ''}awaiting human approval: mlops approve ${name} ${version} --by <you>`;
  }
  const human = verdict.human?.decision === 'approved' ? `; approved by ${verdict.human.by} on ${verdict.human.at}` : '';
  if (verdict.reasons.length > 0) return verdict.reasons.join('; ') + (verdict.status === 'approved' ? ` (mode ${verdict.mode}: not enforced)` : '');
  return (verdict.checks.map((c) => c.reason).join('; ') || `approval mode ${verdict.mode}`) + human;
}
