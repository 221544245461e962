import { MlopsError } from '../../errors.js';
import { JOB_STATUS_TAG, JOB_TAG, JOB_TARGET_TAG, loadJobRecord } from '../../pipeline/job-record.js';
import { localProbe, runLiveness } from '../../pipeline/liveness.js';
import { childRuns, childRunsByParent, parentRunIdOf } from '../../tracking/nested-runs.js';
import type { Run, TrackingStore } from '../../tracking/types.js';
import { CONFIG_OPTIONS, OUTPUT_OPTION, outputFormat, parseCommandArgs } from '../args.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { Command } from '../io.js';
import { isNothingRanYet, openCommandWorkspace } from '../context.js';
import { formatTable, formatTime } from '../table.js';
import { allPages } from '../../http/paging.js';
import { pushAll } from '../../arrays.js';

const OPTIONS = { ...CONFIG_OPTIONS, ...OUTPUT_OPTION, limit: { type: 'string', short: 'n' }, parent: { type: 'string' } } as const;
/** The tag each stage puts on the MLflow run it creates (ingest, train, evaluate). */
const STAGE_TAG = 'mlops.stage';
const LIST_HEADER = ['RUN ID', 'JOB/STAGE', 'TARGET', 'STATUS', 'STARTED', 'SECONDS'];

export const runsCommand: Command = {
  name: 'runs',
  help: `Usage:
  mlops runs list [--limit N] [--parent RUN_ID] [--target T] [-o json]
  mlops runs show <run-id> [--target T] [-o json]

Every job run is an MLflow run tagged mlops.job; its stages and what they produced are stored with it.
The MLflow runs its stages create (ingest, train, evaluate) are nested under it, as MLflow nests runs
(tag mlflow.parentRunId): \`runs list\` shows them indented under their job run, \`runs list --parent\`
lists the runs nested under one run, and \`runs show\` names a run's parent and its nested runs.

Examples:
  mlops runs list
  mlops runs list --parent 3f2a…   # the stage runs of one job run
  mlops runs show 3f2a…   # then, if it failed: mlops run pipeline_job --resume 3f2a…
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    const [sub, id, ...extra] = positionals;
    if (values.help || (sub !== 'list' && sub !== 'show') || extra.length > 0 || (sub === 'show' && (!id || values.parent !== undefined)) || (sub === 'list' && id)) {
      io.stdout(this.help);
      return values.help ? EXIT_OK : EXIT_USAGE;
    }
    const format = outputFormat(values.output);
    let opened;
    try {
      opened = await openCommandWorkspace(values, io, { access: 'read', ...(id ?? values.parent ? { subject: `Run ${id ?? values.parent}` } : {}) });
    } catch (error) {
      if (sub === 'list' && values.parent === undefined && isNothingRanYet(error)) {
        io.stdout(format === 'json' ? '[]\n' : `No job runs yet in the workspace ${String((error as MlopsError).details?.workspace)} (nothing has run there): try \`mlops run pipeline_job\`.\n`);
        return EXIT_OK;
      }
      throw error;
    }
    const { workspace } = opened;
    const call = io.signal ? { signal: io.signal } : {};
    if (sub === 'list') {
      const limit = values.limit === undefined ? 20 : Number(values.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new MlopsError('USAGE', `--limit must be a positive integer, got "${values.limit}"`);
      const experimentIds = await allExperimentIds(workspace.tracking, io.signal);
      if (values.parent !== undefined) {
        const parent = await workspace.tracking.getRun(values.parent, call);
        const children = await childRuns(workspace.tracking, parent.info.runId, { experimentIds, maxResults: limit, ...call });
        if (format === 'json') io.stdout(JSON.stringify(children.map((child) => summary(child)), null, 2) + '\n');
        else if (children.length === 0) io.stdout(`No runs are nested under run ${parent.info.runId}.\n`);
        else io.stdout(formatTable(LIST_HEADER, children.map((child) => listRow(child))));
        return EXIT_OK;
      }
      const runs = await jobRuns(workspace.tracking, experimentIds, limit, io.signal);
      const children = await childRunsByParent(workspace.tracking, runs, { experimentIds, ...call });
      const childrenOf = (run: Run): Run[] => children.get(run.info.runId) ?? [];
      if (format === 'json') {
        io.stdout(
          JSON.stringify(
            runs.map((r) => {
              const s = summary(r);
              return { ...s, children: childrenOf(r).map((child) => summary(child, orphaned(s))) };
            }),
            null,
            2,
          ) + '\n',
        );
      }
      else if (runs.length === 0) io.stdout('No job runs yet: try `mlops run pipeline_job`.\n');
      else {
        const rows = runs.flatMap((r) => {
          const nested = childrenOf(r);
          const killed = orphaned(summary(r));
          return [listRow(r), ...nested.map((child, i) => listRow(child, i === nested.length - 1 ? '└─ ' : '├─ ', killed))];
        });
        io.stdout(formatTable(LIST_HEADER, rows));
      }
      return EXIT_OK;
    }
    const run = await workspace.tracking.getRun(id!, call);
    const record = run.data.tags[JOB_TAG] ? await loadJobRecord(workspace.tracking, run.info.runId).catch(() => undefined) : undefined;
    const children = await childRuns(workspace.tracking, run.info.runId, { experimentIds: await allExperimentIds(workspace.tracking, io.signal), ...call });
    const parentId = parentRunIdOf(run);
    if (format === 'json') {
      io.stdout(
        JSON.stringify(
          {
            ...summary(run),
            params: run.data.params,
            metrics: Object.fromEntries(Object.entries(run.data.metrics).map(([k, m]) => [k, m.value])),
            tags: run.data.tags,
            stages: record?.stages,
            children: children.map((child) => summary(child, orphaned(summary(run)))),
          },
          null,
          2,
        ) + '\n',
      );
      return EXIT_OK;
    }
    const s = summary(run);
    const what = s.job || (s.stage ? `${s.stage} stage run` : 'not a job run');
    const lines = [`run ${s.run_id} (${run.info.runName}) — ${what} on ${s.target || '?'}: ${statusText(s)}${s.killed ? ` — ${s.killed}` : ''}`, `  started ${formatTime(s.start_time)}, artifacts ${run.info.artifactUri}`];
    if (parentId) lines.push(`  nested under run ${parentId}${await describeRun(workspace.tracking, parentId, io.signal)}`);
    if (record) {
      lines.push('  stages:');
      for (const st of record.stages) lines.push(`    ${st.name.padEnd(9)} ${st.status.padEnd(9)} ${String(st.duration_ms).padStart(7)} ms${st.error ? `  ${st.error}` : ''}`);
      if (record.stages.some((st) => st.status === 'failed' || st.status === 'cancelled') || s.killed !== undefined) lines.push(`  resume with: mlops run ${record.job} --resume ${run.info.runId}`);
    }
    if (children.length) {
      lines.push('  nested runs:');
      for (const child of children) {
        const c = summary(child, orphaned(s));
        lines.push(`    ${c.run_id}  ${(c.stage || '-').padEnd(9)} ${statusText(c).padEnd(9)} ${formatTime(c.start_time)}  ${c.run_name}`);
      }
    }
    const params = Object.entries(run.data.params);
    if (params.length) pushAll(lines, ['  params:', ...params.map(([k, v]) => `    ${k} = ${v}`)]);
    const metrics = Object.entries(run.data.metrics);
    if (metrics.length) pushAll(lines, ['  metrics:', ...metrics.map(([k, m]) => `    ${k} = ${m.value}`)]);
    io.stdout(lines.join('\n') + '\n');
    return EXIT_OK;
  },
};

/**
 * A run's status as it truly is: a RUNNING run whose process is gone (kill -9) is failed (killed),
 * and so are the RUNNING stage runs nested under it.
 */
function summary(run: Run, parentKilled?: string) {
  const liveness = runLiveness(run.info.status, run.data.tags, localProbe());
  const killed = liveness.state === 'killed' ? liveness.reason : run.info.status === 'RUNNING' ? parentKilled : undefined;
  return {
    run_id: run.info.runId,
    job: run.data.tags[JOB_TAG] ?? '',
    target: run.data.tags[JOB_TARGET_TAG] ?? '',
    status: killed !== undefined ? 'failed' : (run.data.tags[JOB_STATUS_TAG] ?? run.info.status.toLowerCase()),
    ...(killed !== undefined ? { killed } : {}),
    start_time: run.info.startTime,
    duration_ms: run.info.endTime === undefined ? undefined : run.info.endTime - run.info.startTime,
    run_name: run.info.runName,
    stage: run.data.tags[STAGE_TAG] ?? '',
    parent_run_id: parentRunIdOf(run) ?? null,
  };
}

/** One row of the list table; a nested run's id is indented under its parent's by `branch`. */
/**
 * Why a stage run still marked RUNNING under this job run is not running: the job run was killed, or
 * ended (a resumed run, say) while an earlier process's stage run was left behind.
 */
function orphaned(parent: { status: string; killed?: string }): string | undefined {
  if (parent.killed !== undefined) return `its job run was killed: ${parent.killed}`;
  return parent.status === 'running' ? undefined : 'its job run ended without it: its process was killed';
}

function listRow(run: Run, branch = '', parentKilled?: string): string[] {
  const s = summary(run, parentKilled);
  return [branch + s.run_id, s.job || s.stage || s.run_name, s.target, statusText(s), formatTime(s.start_time), s.duration_ms === undefined ? '' : (s.duration_ms / 1000).toFixed(1)];
}

function statusText(s: { status: string; killed?: string }): string {
  return s.killed === undefined ? s.status : 'failed (killed)';
}

/** " (name, job)" of a run, or "" when it cannot be read (deleted, or in a store we cannot see). */
async function describeRun(tracking: TrackingStore, runId: string, signal: AbortSignal | undefined): Promise<string> {
  const run = await tracking.getRun(runId, signal ? { signal } : {}).catch((error: unknown) => {
    if (error instanceof MlopsError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  });
  if (!run) return ' (not found)';
  const job = run.data.tags[JOB_TAG];
  return ` (${run.info.runName}${job ? `, ${job}` : ''})`;
}

async function allExperimentIds(tracking: TrackingStore, signal: AbortSignal | undefined): Promise<string[]> {
  const experiments = await allPages((pageToken) => tracking.searchExperiments({ maxResults: 1000, ...(pageToken ? { pageToken } : {}), ...(signal ? { signal } : {}) }), {
    what: 'the experiment search',
    ...(signal ? { signal } : {}),
  });
  return experiments.map((e) => e.experimentId);
}

/** The newest job runs across all experiments. */
async function jobRuns(tracking: TrackingStore, experimentIds: string[], limit: number, signal: AbortSignal | undefined): Promise<Run[]> {
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
