import type { ResolvedConfig } from '../config/types.js';
import type { Reporter } from '../pipeline/reporter.js';
import type { Workspace } from '../workspace/types.js';

/** What every stage shell receives. Stages never build a backend themselves. */
export interface StageContext {
  workspace: Workspace;
  config: ResolvedConfig;
  reporter: Reporter;
  /** Injected clock (milliseconds since the epoch) so tests can pin time. */
  now: () => number;
  signal?: AbortSignal;
}
