import type { ProgressEvent, Reporter } from '../pipeline/reporter.js';

/** Progress as plain lines on a stream (stderr), one per event; quiet mode keeps only failures. */
export class LineReporter implements Reporter {
  constructor(
    private readonly write: (line: string) => void,
    private readonly quiet = false,
  ) {}

  report(event: ProgressEvent): void {
    const line = formatEvent(event);
    if (line === undefined) return;
    if (this.quiet && !(event.type === 'stage-end' && event.status === 'failed')) return;
    this.write(line + '\n');
  }
}

export function formatEvent(event: ProgressEvent): string | undefined {
  switch (event.type) {
    case 'stage-start':
      return `▶ ${event.stage}`;
    case 'stage-end': {
      const mark = { succeeded: '✔', failed: '✖', rejected: '✋', skipped: '·' }[event.status];
      const tail = event.status === 'skipped' ? 'skipped' : `${event.status} in ${event.durationMs} ms`;
      return `${mark} ${event.stage} ${tail}${event.error ? `: ${event.error}` : ''}`;
    }
    case 'log':
      return `  ${event.stage ? `${event.stage}: ` : ''}${event.message}`;
    case 'progress':
      return undefined;
  }
}
