/**
 * How library code tells the outside world what it is doing. Nothing below the CLI prints:
 * it calls a Reporter, and the CLI decides whether that becomes a TTY line, a plain log or nothing.
 */
export type ProgressEvent =
  | { type: 'stage-start'; stage: string }
  | { type: 'stage-end'; stage: string; status: 'succeeded' | 'failed' | 'rejected' | 'skipped' | 'cancelled'; durationMs: number; error?: string }
  | { type: 'log'; stage?: string; message: string }
  | {
      type: 'progress';
      stage: string;
      done: number;
      total?: number;
      unit: string;
      /** e.g. "loss 0.0412" */
      detail?: string;
      /** The latest values of what the stage optimises or watches, e.g. { loss: 0.0412, val_loss: 0.0501 }. */
      metrics?: Record<string, number>;
    };

export interface Reporter {
  report(event: ProgressEvent): void;
}

export const silentReporter: Reporter = { report() {} };

/** Collects events in memory; handy for tests and for building run summaries. */
export class RecordingReporter implements Reporter {
  readonly events: ProgressEvent[] = [];
  report(event: ProgressEvent): void {
    this.events.push(event);
  }
}
