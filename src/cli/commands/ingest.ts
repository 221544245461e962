import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyJobOverrides } from '../../config/load.js';
import { MlopsError } from '../../errors.js';
import type { StageContext } from '../../stages/context.js';
import { forgetIngested, ingestStatus, replayIngested } from '../../stages/ingest/manage.js';
import type { IngestStatus } from '../../stages/ingest/manage.js';
import type { IngestParams } from '../../stages/ingest/params.js';
import { openWorkspace } from '../../workspace/open.js';
import { CONFIG_OPTIONS, OUTPUT_OPTION, outputFormat, parseCommandArgs } from '../args.js';
import { checkStoresExist, loadCommandConfig, type StoreAccess } from '../context.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { LineReporter } from '../human-reporter.js';
import type { CliIo, Command } from '../io.js';
import { maxOf, pushAll } from '../../arrays.js';

const OPTIONS = { ...CONFIG_OPTIONS, ...OUTPUT_OPTION, json: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } } as const;

export const ingestCommand: Command = {
  name: 'ingest',
  help: `Usage:
  mlops ingest status [options]
  mlops ingest forget <file>… [options]
  mlops ingest replay <file>… [options]

Works on data_ingestion_job's checkpoint (its ledger of ingested files), with the job's parameters
from mlops.yml (and --json overrides).

  status   every file the ledger knows (ingested or quarantined, rows, when), and what the next run
           would do with the source as it is now: new, changed (rewritten in place) or missing files
  forget   drops files from the ledger and deletes their rows (ingested and quarantined), so the
           next run ingests them again if they are still in the source
  replay   ingests files again now, changed or not, replacing their earlier rows (one MLflow run)

<file> is a path relative to source_path, as status shows it (its URL, or a local path, works too).

Options:
  -t, --target T      target from mlops.yml
      --var k=v       set a variable (repeatable)
      --json '{…}'    override data_ingestion_job parameters, e.g. '{"source_path":"./incoming"}'
  -c, --config FILE   use this mlops.yml
  -o, --output json   print the result as JSON on stdout
  -q, --quiet         no progress lines

Examples:
  mlops ingest status
  mlops ingest status -o json --json '{"source_path":"abfss://landing@acct.dfs.core.windows.net/iris"}'
  mlops ingest replay iris_part_002.csv
  mlops ingest forget 2024/05/bad_export.csv
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    const [action, ...files] = positionals;
    if (values.help || action === undefined) {
      io.stdout(this.help);
      return values.help ? EXIT_OK : EXIT_USAGE;
    }
    if (action !== 'status' && action !== 'forget' && action !== 'replay') {
      throw new MlopsError('USAGE', `Unknown ingest action "${action}"; expected status, forget or replay (mlops ingest --help)`);
    }
    if (action === 'status' && files.length > 0) throw new MlopsError('USAGE', `mlops ingest status takes no file; found ${files.join(' ')}`);
    if (action !== 'status' && files.length === 0) throw new MlopsError('USAGE', `mlops ingest ${action} needs at least one file (as mlops ingest status lists them)`);
    const format = outputFormat(values.output);
    const { ctx, params } = await ingestContext(values, io, action === 'status' ? 'read' : 'write');
    const named = namedOnCommandLine(files, io.cwd, params.source_path, ctx.config.configDir);

    if (action === 'status') {
      const status = await ingestStatus(ctx, params);
      io.stdout(format === 'json' ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
      return EXIT_OK;
    }
    if (action === 'forget') {
      const result = await forgetIngested(ctx, params, named);
      io.stdout(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : result.forgotten.map((file) => `forgot ${file.path}: ${file.rows} row(s), ${file.rows_quarantined} quarantined row(s), ${file.files_deleted} file(s) deleted\n`).join(''));
      return EXIT_OK;
    }
    const result = await replayIngested(ctx, params, named);
    io.stdout(
      format === 'json'
        ? `${JSON.stringify(result, null, 2)}\n`
        : `replayed ${result.files_ingested + result.files_quarantined} file(s): ${result.rows_written} row(s) written, ${result.rows_quarantined} quarantined → ${result.output_path} (MLflow run ${result.run_id})\n`,
    );
    return EXIT_OK;
  },
};

async function ingestContext(
  values: { target?: string | undefined; var?: string[] | undefined; config?: string | undefined; json?: string | undefined; quiet?: boolean | undefined },
  io: CliIo,
  access: StoreAccess,
): Promise<{ ctx: StageContext; params: IngestParams }> {
  const config = await loadCommandConfig(values, io, { quiet: values.quiet === true });
  const job = values.json === undefined ? config.jobs.data_ingestion_job : applyJobOverrides(config.jobs.data_ingestion_job, values.json);
  // status reads the ledger on the volume, not the tracking store: an empty workspace is answered, never created.
  if (access === 'read' && config.trackingUriFrom !== 'workspace') await checkStoresExist(config);
  const workspace = await openWorkspace(config, { env: io.env });
  const ctx: StageContext = {
    workspace,
    config,
    reporter: new LineReporter(io.stderr, { quiet: values.quiet === true, tty: io.isTTY === true }),
    now: Date.now,
    env: io.env,
    ...(io.signal ? { signal: io.signal } : {}),
  };
  return { ctx, params: job.parameters as unknown as IngestParams };
}

/**
 * Files as the user typed them: a relative path that lies inside the local source folder when read
 * from the current folder (what a shell's tab completion gives, e.g. data/landing/x.csv) is made
 * absolute; anything else (a name as `ingest status` shows it, relative to source_path, or a URL)
 * is passed on as it is.
 */
function namedOnCommandLine(files: readonly string[], cwd: string, sourcePath: string | undefined, configDir: string): string[] {
  const folder = localSourceFolder(sourcePath, configDir);
  if (folder === undefined) return [...files];
  return files.map((file) => {
    if (isAbsolute(file) || /^[a-z][a-z0-9+.-]*:/i.test(file)) return file;
    const onDisk = resolve(cwd, file);
    const inside = relative(folder, onDisk);
    return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? onDisk : file;
  });
}

function localSourceFolder(sourcePath: string | undefined, configDir: string): string | undefined {
  if (!sourcePath) return undefined;
  if (sourcePath.startsWith('file:')) return fileURLToPath(sourcePath);
  if (/^[a-z][a-z0-9+.-]*:/i.test(sourcePath) && !isAbsolute(sourcePath)) return undefined;
  return resolve(configDir, sourcePath);
}

function formatStatus(status: IngestStatus): string {
  const lines = [
    `source      ${status.source}`,
    `ledger      ${status.ledger_path}`,
    `output      ${status.output_path} (${status.totals.rows} rows from ${status.totals.ingested} file(s), data digest ${status.data_digest})`,
    `quarantine  ${status.quarantine_path} (${status.totals.rows_quarantined} rows, ${status.totals.quarantined} whole file(s))`,
    `next run    ${status.totals.new} new, ${status.totals.changed} changed file(s); ${status.totals.missing} ingested file(s) no longer in the source`,
  ];
  if (status.listing_error) lines.push(`warning     the source could not be listed: ${status.listing_error}`);
  if (status.interrupted.length > 0) lines.push(`interrupted ${status.interrupted.join(', ')} (the next run cleans up what they left)`);
  if (status.files.length > 0) {
    const rows = status.files.map((file) => [file.status, String(file.rows), String(file.rows_quarantined), file.ingested_at ?? '', file.path + (file.reason ? `  (${file.reason})` : '')]);
    const headers = ['STATUS', 'ROWS', 'QUARANTINED', 'INGESTED AT', 'FILE'];
    const widths = headers.map((header, column) => maxOf(rows.map((row) => row[column]!.length), header.length));
    const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
    pushAll(lines, ['', line(headers), ...rows.map(line)]);
  }
  return `${lines.join('\n')}\n`;
}
