import { MlopsError } from '../../errors.js';
import { recordHumanDecision } from '../../stages/approve/record-human.js';
import { CONFIG_OPTIONS, OUTPUT_OPTION, outputFormat, parseCommandArgs } from '../args.js';
import { openCommandWorkspace } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import type { Command } from '../io.js';

const OPTIONS = { ...CONFIG_OPTIONS, ...OUTPUT_OPTION, by: { type: 'string' }, reject: { type: 'boolean' }, comment: { type: 'string' } } as const;

export const approveCommand: Command = {
  name: 'approve',
  help: `Usage: mlops approve <model-name> <version> --by <who> [--reject] [--comment TEXT] [options]

Records a person's decision on a registered model version: version tags
(mlops.human_approval, _by, _at, _comment), a line in the version's description, and a
JSON record in the evaluation run that judged it.

- Approving completes a version that passed the approval rules and waits for a person
  (require_human_approval = true): its status becomes approved and
  model_deployment_job will deploy it. A version the rules rejected cannot be approved
  (exit 3): a rejected version is never deployed.
- --reject rejects the version for good, whatever the rules said.

Options:
      --by WHO        who decides (a name or e-mail); required
      --reject        reject instead of approve
      --comment TEXT  why, kept with the decision
  -t, --target T      target from mlops.yml
  -c, --config FILE   use this mlops.yml
  -o, --output json   print the result as JSON

Examples:
  mlops approve hp_az_catalog.hp_iris_ml.irisclassifierdemo 3 --by alice@example.com
  mlops approve hp_az_catalog.hp_iris_ml.irisclassifierdemo 4 --by bob --reject --comment "drift on petal_width"

Exit codes: 0 recorded, 1 error (e.g. no such version), 2 bad usage, 3 the version was rejected and cannot be approved.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    if (values.help) {
      io.stdout(this.help);
      return EXIT_OK;
    }
    const [name, version, ...extra] = positionals;
    if (name === undefined || version === undefined || extra.length > 0) {
      throw new MlopsError('USAGE', 'mlops approve needs a model name and a version, e.g. mlops approve main.iris.model 3 --by alice');
    }
    if (!/^[1-9][0-9]*$/.test(version)) throw new MlopsError('USAGE', `The version must be a number like 3, got "${version}"`);
    if (!values.by?.trim()) throw new MlopsError('USAGE', 'mlops approve needs --by <who>: the person who decides is recorded with the decision');
    const format = outputFormat(values.output);
    const { workspace } = await openCommandWorkspace(values, io, { access: 'read', subject: `Model ${name} version ${version}` });
    const result = await recordHumanDecision(
      workspace,
      { name, version, decision: values.reject ? 'rejected' : 'approved', by: values.by, ...(values.comment ? { comment: values.comment } : {}) },
      { now: Date.now, ...(io.signal ? { signal: io.signal } : {}) },
    );
    if (format === 'json') {
      io.stdout(JSON.stringify(result, null, 2) + '\n');
      return EXIT_OK;
    }
    const change = result.previous_status === result.status ? `status ${result.status ?? 'not evaluated yet'}` : `status ${result.previous_status ?? 'not evaluated'} → ${result.status}`;
    io.stdout(`${result.decision === 'approved' ? 'Approved' : 'Rejected'} ${name} version ${version} by ${result.by} (${change})\n`);
    if (result.decision === 'approved' && result.status === 'approved' && !result.is_champion) {
      io.stdout(`Deploy it with: mlops run model_deployment_job --json '{"model_name":"${name}","model_version":"${version}"}'\n`);
    } else if (result.decision === 'approved' && result.status === undefined) {
      io.stdout('It has not been evaluated yet: model_deployment_job will evaluate it and apply the approval rules too.\n');
    } else if (result.decision === 'rejected' && result.is_champion) {
      io.stdout(`Version ${version} is the current champion; restore the previous one with: mlops rollback ${name}\n`);
    }
    return EXIT_OK;
  },
};
