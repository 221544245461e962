import { JOB_NAMES, type JobName } from '../../config/types.js';
import { MlopsError } from '../../errors.js';
import { jobResultToJson } from '../../pipeline/result.js';
import { runJob } from '../../run.js';
import { CONFIG_OPTIONS, OUTPUT_OPTION, loadOptionsFrom, outputFormat, parseCommandArgs } from '../args.js';
import { checkTrackingStoreForRun, loadCommandConfig } from '../context.js';
import { EXIT_OK, exitCodeForResult } from '../exit-codes.js';
import { LineReporter } from '../human-reporter.js';
import type { Command } from '../io.js';
import { formatJobSummary } from '../summary.js';

const OPTIONS = { ...CONFIG_OPTIONS, ...OUTPUT_OPTION, json: { type: 'string' }, resume: { type: 'string' }, force: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } } as const;

export const runCommand: Command = {
  name: 'run',
  help: `Usage: mlops run <job> [options]

Runs one job of mlops.yml: the nearest one in the current folder or its parents (as git finds
.git), else the bundled defaults with the workspace in ./.mlops. The first line says which.

Options:
  -t, --target T      target from mlops.yml (default: the one marked default: true)
      --var k=v       set a variable (repeatable); beats BUNDLE_VAR_<k>, the target and the default
      --json '{…}'    override job parameters, e.g. '{"model_version":"3"}'
      --resume ID     resume a failed run (its run id) from the stage that failed
      --force         run every stage, even train/evaluate whose inputs, parameters and code
                      match an earlier run's (by default their outputs are reused: the step cache)
  -c, --config FILE   use this mlops.yml
  -o, --output json   print one JSON object with the result on stdout (progress stays on stderr)
  -q, --quiet         no progress lines, only errors

Examples:
  mlops run pipeline_job
  mlops run data_ingestion_job --json '{"source_path":"./incoming"}'
  mlops run model_deployment_job --json '{"model_version":"2"}' -o json
  mlops run pipeline_job -o json > result.json; echo "exit $?"
  mlops run pipeline_job --resume 3f2a9c…          # after a failure: only the failed stage onwards
  mlops run pipeline_job --force                    # retrain even on unchanged data

Ctrl-C (or SIGTERM) stops the stage that runs: the run is recorded as cancelled (its MLflow runs
KILLED), nothing is registered after it, and --resume continues from that stage. A second Ctrl-C
exits at once.

Exit codes: 0 ok, 1 error, 2 bad usage or configuration, 3 rejected by approval, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    if (values.help) {
      io.stdout(this.help);
      return EXIT_OK;
    }
    const [job, ...extra] = positionals;
    if (job === undefined) throw new MlopsError('USAGE', `mlops run needs a job name: ${JOB_NAMES.join(', ')}`);
    if (extra.length > 0) throw new MlopsError('USAGE', `Unexpected arguments after the job name: ${extra.join(' ')}`);
    if (!(JOB_NAMES as readonly string[]).includes(job)) {
      throw new MlopsError('USAGE', `Unknown job "${job}"; the jobs are ${JOB_NAMES.join(', ')}`);
    }
    const format = outputFormat(values.output);
    const config = await loadCommandConfig(values, io, { quiet: values.quiet === true });
    await checkTrackingStoreForRun(config, io.signal ? { signal: io.signal } : {});
    const result = await runJob({
      job: job as JobName,
      config,
      load: loadOptionsFrom(values, io),
      ...(values.json !== undefined ? { json: values.json } : {}),
      ...(values.resume !== undefined ? { resume: values.resume } : {}),
      ...(values.force === true ? { force: true } : {}),
      reporter: new LineReporter(io.stderr, { quiet: values.quiet === true, tty: io.isTTY === true }),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    io.stdout(format === 'json' ? jobResultToJson(result) + '\n' : formatJobSummary(result));
    return exitCodeForResult(result, io.signal);
  },
};
