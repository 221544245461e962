import { MlopsError } from '../../errors.js';
import type { ModelRef } from '../state.js';
import { formatModelUri } from '../../tracking/model-uri.js';
import type { Workspace } from '../../workspace/types.js';
import { CHAMPION_ALIAS } from '../deploy/deploy.js';
import { planHumanDecision } from './human.js';
import { APPROVAL_STATUS_TAG, EVALUATION_RUN_TAG } from './tags.js';

export interface HumanDecisionInput {
  name: string;
  version: string;
  decision: 'approved' | 'rejected';
  /** Who decided (a name or e-mail); required. */
  by: string;
  comment?: string;
}

export interface HumanDecisionResult {
  model: ModelRef;
  decision: 'approved' | 'rejected';
  by: string;
  at: string;
  /** The approval status before and after (undefined: never evaluated). */
  previous_status: string | undefined;
  status: string | undefined;
  /** True when the version currently holds the champion alias. */
  is_champion: boolean;
}

/**
 * Records a person's approval or rejection of a model version (`mlops approve`): version tags,
 * a line in the description, and a JSON record in the evaluation run that judged the version.
 * See planHumanDecision for what each decision changes; a rejected version cannot be approved.
 */
export async function recordHumanDecision(
  workspace: Workspace,
  input: HumanDecisionInput,
  options: { now: () => number; signal?: AbortSignal },
): Promise<HumanDecisionResult> {
  const by = input.by.trim();
  if (by === '') throw new MlopsError('INVALID_ARGUMENT', 'A human decision needs the name of who made it (--by)', { details: { parameter: 'by' } });
  const call = options.signal ? { signal: options.signal } : {};
  const { registry, tracking } = workspace;
  const version = await registry.getModelVersion(input.name, input.version, call);
  const at = new Date(options.now()).toISOString();
  const label = `Model ${input.name} version ${input.version}`;
  const comment = input.comment?.trim();
  const plan = planHumanDecision(label, version.tags, { decision: input.decision, by, at, ...(comment ? { comment } : {}) });
  // The plan lists the status tag last, so a reader never sees a new status without its reasons.
  for (const [key, value] of Object.entries(plan.tags)) await registry.setModelVersionTag(input.name, input.version, key, value, call);
  const line = `${input.decision === 'approved' ? 'Approved' : 'Rejected'} by ${by} on ${at}${comment ? `: ${comment}` : ''}`;
  await registry.updateModelVersion(input.name, input.version, { description: version.description ? `${version.description}\n${line}` : line }, call);

  const evaluationRun = version.tags[EVALUATION_RUN_TAG];
  if (evaluationRun) {
    const record = { model_name: input.name, model_version: input.version, decision: input.decision, by, at, comment: comment ?? null, status: plan.status ?? null };
    const stamp = at.replace(/[-:]/g, '').replace(/\.\d+/, '');
    await tracking.logArtifact(evaluationRun, `approval/human_decisions/${stamp}-${input.decision}.json`, JSON.stringify(record, null, 2), call);
  }
  const champion = (await registry.getRegisteredModel(input.name, call)).aliases[CHAMPION_ALIAS];
  return {
    model: { name: input.name, version: input.version, uri: formatModelUri({ kind: 'version', name: input.name, version: input.version }) },
    decision: input.decision,
    by,
    at,
    previous_status: version.tags[APPROVAL_STATUS_TAG],
    status: plan.status,
    is_champion: champion === input.version,
  };
}
