import type { ProgressEvent, Reporter } from '../pipeline/reporter.js';
import { formatProgress } from './progress-line.js';

export interface LineReporterOptions {
  quiet?: boolean;
  /** Redraw one live progress line (a terminal); otherwise progress is printed as plain, throttled lines. */
  tty?: boolean;
  /** Plain mode prints a stage's progress at most this often. */
  plainIntervalMs?: number;
  now?: () => number;
}

/** A terminal's live line is redrawn at most this often (and always for the last event). */
const REDRAW_MS = 50;

/**
 * Progress for people: stage lines and logs as plain lines; progress as one redrawn line on a
 * terminal, or as an occasional plain line in logs and CI. Quiet mode keeps only failures.
 */
export class LineReporter implements Reporter {
  private readonly quiet: boolean;
  private readonly tty: boolean;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly firstSeen = new Map<string, number>();
  private readonly lastPrinted = new Map<string, number>();
  private liveLine = false;

  constructor(
    private readonly write: (text: string) => void,
    options: LineReporterOptions | boolean = {},
  ) {
    const o = typeof options === 'boolean' ? { quiet: options } : options;
    this.quiet = o.quiet ?? false;
    this.tty = o.tty ?? false;
    this.interval = o.plainIntervalMs ?? 5000;
    this.now = o.now ?? Date.now;
  }

  report(event: ProgressEvent): void {
    if (this.quiet && !(event.type === 'stage-end' && (event.status === 'failed' || event.status === 'cancelled'))) return;
    if (event.type === 'progress') return this.progress(event);
    const line = formatEvent(event);
    if (line === undefined) return;
    this.clearLive();
    this.write(line + '\n');
    if (event.type === 'stage-end') {
      this.firstSeen.delete(event.stage);
      this.lastPrinted.delete(event.stage);
    }
  }

  private progress(event: Extract<ProgressEvent, { type: 'progress' }>): void {
    const t = this.now();
    const first = this.firstSeen.get(event.stage) ?? t;
    this.firstSeen.set(event.stage, first);
    // A line is formatted only when it is shown: training reports 200 epochs in a fraction of a
    // second, and formatting each one cost ~15 ms of a cold pipeline_job.
    const last = this.lastPrinted.get(event.stage);
    const finished = event.total !== undefined && event.done >= event.total;
    if (last !== undefined && t - last < (this.tty ? REDRAW_MS : this.interval) && !finished) return;
    this.lastPrinted.set(event.stage, t);
    const text = formatProgress({ ...event, elapsedMs: t - first });
    if (this.tty) {
      this.write(`\r\x1b[2K  ${text}`);
      this.liveLine = true;
      return;
    }
    this.write(`  ${text}\n`);
  }

  private clearLive(): void {
    if (this.liveLine) {
      this.write('\r\x1b[2K');
      this.liveLine = false;
    }
  }
}

export function formatEvent(event: ProgressEvent): string | undefined {
  switch (event.type) {
    case 'stage-start':
      return `▶ ${event.stage}`;
    case 'stage-end': {
      const mark = { succeeded: '✔', failed: '✖', rejected: '✋', skipped: '·', cancelled: '■' }[event.status];
      const tail = event.status === 'skipped' ? 'skipped' : `${event.status} in ${event.durationMs} ms`;
      return `${mark} ${event.stage} ${tail}${event.error ? `: ${event.error}` : ''}`;
    }
    case 'log':
      return `  ${event.stage ? `${event.stage}: ` : ''}${event.message}`;
    case 'progress':
      return undefined;
  }
}
