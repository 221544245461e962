import { MlopsError } from '../../errors.js';
import { runRollback } from '../../stages/deploy/rollback.js';
import { CONFIG_OPTIONS, OUTPUT_OPTION, outputFormat, parseCommandArgs } from '../args.js';
import { openCommandWorkspace } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import type { Command } from '../io.js';

export const rollbackCommand: Command = {
  name: 'rollback',
  help: `Usage: mlops rollback <model-name> [--target T] [--config FILE] [-o json]

Moves the champion alias back to the version the current champion replaced (recorded as
mlops.previous_champion when it was deployed), if that version is still approved. The
replaced version is tagged mlops.rolled_back_at / mlops.rolled_back_to and will not be
deployed again. Run it again to go one more version back.

A scoring server started with models:/<name>@champion serves the restored version after
POST /reload.

Examples:
  mlops rollback hp_az_catalog.hp_iris_ml.irisclassifierdemo
  mlops rollback main.iris.model --target prod -o json

Exit codes: 0 rolled back, 1 nothing to roll back to, 2 bad usage, 3 the previous champion is no longer approved.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { ...CONFIG_OPTIONS, ...OUTPUT_OPTION });
    if (values.help) {
      io.stdout(this.help);
      return EXIT_OK;
    }
    const [name, ...extra] = positionals;
    if (name === undefined || extra.length > 0) throw new MlopsError('USAGE', 'mlops rollback needs exactly one model name, e.g. mlops rollback main.iris.model');
    const format = outputFormat(values.output);
    const { workspace } = await openCommandWorkspace(values, io, { access: 'read', subject: `Model ${name}` });
    const result = await runRollback(workspace, name, { now: Date.now, ...(io.signal ? { signal: io.signal } : {}) });
    io.stdout(
      format === 'json'
        ? JSON.stringify(result, null, 2) + '\n'
        : `${result.alias} of ${name}: version ${result.from} → version ${result.to} (version ${result.from} is marked rolled back and will not be deployed again)\n`,
    );
    return EXIT_OK;
  },
};
