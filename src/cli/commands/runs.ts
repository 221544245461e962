import { MlopsError } from '../../errors.js';
import { JOB_STATUS_TAG, JOB_TAG, JOB_TARGET_TAG, loadJobRecord } from '../../pipeline/job-record.js';
import type { Run, TrackingStore } from '../../tracking/types.js';
import { CONFIG_OPTIONS, OUTPUT_OPTION, outputFormat, parseCommandArgs } from '../args.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { Command } from '../io.js';
import { openTargetWorkspace } from '../open-from-args.js';
import { formatTable, formatTime } from '../table.js';

const OPTIONS = { ...CONFIG_OPTIONS, ...OUTPUT_OPTION, limit: { type: 'string', short: 'n' } } as const;

export const runsCommand: Command = {
  name: 'runs',
  summary: 'list job runs, or show one (stages, params, metrics, how to resume)',
  help: `Usage:
  mlops runs list [--limit N] [--target T] [-o json]
  mlops runs show <run-id> [--target T] [-o json]

Every job run is an MLflow run tagged mlops.job; its stages and what they produced are stored with it.

Examples:
  mlops runs list
  mlops runs show 3f2a…   # then, if it failed: mlops run pipeline_job --resume 3f2a…
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    const [sub, id, ...extra] = positionals;
    if (values.help || (sub !== 'list' && sub !== 'show') || extra.length > 0 || (sub === 'show' && !id) || (sub === 'list' && id)) {
      io.stdout(this.help);
      return values.help ? EXIT_OK : EXIT_USAGE;
    }
    const format = outputFormat(values.output);
    const { workspace } = await openTargetWorkspace(values, io);
    if (sub === 'list') {
      const limit = values.limit === undefined ? 20 : Number(values.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new MlopsError('USAGE', `--limit must be a positive integer, got "${values.limit}"`);
      const runs = await jobRuns(workspace.tracking, limit, io.signal);
      if (format === 'json') io.stdout(JSON.stringify(runs.map(summary), null, 2) + '\n');
      else if (runs.length === 0) io.stdout('No job runs yet: try `mlops run pipeline_job`.\n');
      else {
        io.stdout(
          formatTable(
            ['RUN ID', 'JOB', 'TARGET', 'STATUS', 'STARTED', 'SECONDS'],
            runs.map((r) => {
              const s = summary(r);
              return [s.run_id, s.job, s.target, s.status, formatTime(s.start_time), s.duration_ms === undefined ? '' : (s.duration_ms / 1000).toFixed(1)];
            }),
          ),
        );
      }
      return EXIT_OK;
    }
    const run = await workspace.tracking.getRun(id!, io.signal ? { signal: io.signal } : {});
    const record = run.data.tags[JOB_TAG] ? await loadJobRecord(workspace.tracking, run.info.runId).catch(() => undefined) : undefined;
    if (format === 'json') {
      io.stdout(JSON.stringify({ ...summary(run), params: run.data.params, metrics: Object.fromEntries(Object.entries(run.data.metrics).map(([k, m]) => [k, m.value])), tags: run.data.tags, stages: record?.stages }, null, 2) + '\n');
      return EXIT_OK;
    }
    const s = summary(run);
    const lines = [`run ${s.run_id} (${run.info.runName}) — ${s.job || 'not a job run'} on ${s.target || '?'}: ${s.status}`, `  started ${formatTime(s.start_time)}, artifacts ${run.info.artifactUri}`];
    if (record) {
      lines.push('  stages:');
      for (const st of record.stages) lines.push(`    ${st.name.padEnd(9)} ${st.status.padEnd(9)} ${String(st.duration_ms).padStart(7)} ms${st.error ? `  ${st.error}` : ''}`);
      if (record.stages.some((st) => st.status === 'failed')) lines.push(`  resume with: mlops run ${record.job} --resume ${run.info.runId}`);
    }
    const params = Object.entries(run.data.params);
    if (params.length) lines.push('  params:', ...params.map(([k, v]) => `    ${k} = ${v}`));
    const metrics = Object.entries(run.data.metrics);
    if (metrics.length) lines.push('  metrics:', ...metrics.map(([k, m]) => `    ${k} = ${m.value}`));
    io.stdout(lines.join('\n') + '\n');
    return EXIT_OK;
  },
};

function summary(run: Run) {
  return {
    run_id: run.info.runId,
    job: run.data.tags[JOB_TAG] ?? '',
    target: run.data.tags[JOB_TARGET_TAG] ?? '',
    status: run.data.tags[JOB_STATUS_TAG] ?? run.info.status.toLowerCase(),
    start_time: run.info.startTime,
    duration_ms: run.info.endTime === undefined ? undefined : run.info.endTime - run.info.startTime,
  };
}

/** The newest job runs across all experiments. */
async function jobRuns(tracking: TrackingStore, limit: number, signal: AbortSignal | undefined): Promise<Run[]> {
  const experimentIds: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await tracking.searchExperiments({ maxResults: 1000, ...(pageToken ? { pageToken } : {}), ...(signal ? { signal } : {}) });
    experimentIds.push(...page.items.map((e) => e.experimentId));
    pageToken = page.nextPageToken;
  } while (pageToken);
  if (experimentIds.length === 0) return [];
  const page = await tracking.searchRuns({
    experimentIds,
    filter: `tags.\`${JOB_TAG}\` != ''`,
    orderBy: ['attributes.start_time DESC'],
    maxResults: limit,
    ...(signal ? { signal } : {}),
  });
  return page.items;
}
