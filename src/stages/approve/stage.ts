import type { StageDeclaration } from '../declaration.js';
import { runApprove } from './approve.js';

/** The gate: the target's approval rules (and a person's decision) applied to the evaluation of the same job. */
export const approveStage: StageDeclaration<Record<string, never>, 'approval'> = {
  name: 'approve',
  summary: "applies the target's approval rules to the evaluation; a rejection stops the job",
  params: {},
  reads: { evaluation: 'required' },
  produces: 'approval',
  run: (ctx, { upstream }) => runApprove(ctx, upstream.evaluation!),
  halts: (approval) => (approval.verdict.status === 'rejected' ? 'rejected' : undefined),
};
