/** Model version tags that carry the approval state; deployment trusts APPROVAL_STATUS_TAG. */
export const APPROVAL_STATUS_TAG = 'mlops.approval_status';
export const APPROVAL_REASONS_TAG = 'mlops.approval_reasons';
export const APPROVAL_MODE_TAG = 'mlops.approval_mode';
/** The evaluation run whose verdict.json explains the status. */
export const EVALUATION_RUN_TAG = 'mlops.evaluation_run_id';

/** The values of APPROVAL_STATUS_TAG. Only `approved` may be deployed. */
export const APPROVAL_STATUS = {
  approved: 'approved',
  rejected: 'rejected',
  /** The rules passed; a person still has to approve (require_human_approval). */
  pendingHuman: 'pending_human_approval',
} as const;

/** A person's decision, recorded by `mlops approve`. */
export const HUMAN_TAGS = {
  decision: 'mlops.human_approval',
  by: 'mlops.human_approval_by',
  at: 'mlops.human_approval_at',
  comment: 'mlops.human_approval_comment',
} as const;
