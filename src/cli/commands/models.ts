import { MlopsError } from '../../errors.js';
import { versionStandings } from '../../stages/deploy/standing.js';
import { CONFIG_OPTIONS, OUTPUT_OPTION, outputFormat, parseCommandArgs } from '../args.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { Command } from '../io.js';
import { isNothingRanYet, openCommandWorkspace } from '../context.js';
import { formatTable, formatTime } from '../table.js';
import { allPages } from '../../http/paging.js';

export const modelsCommand: Command = {
  name: 'models',
  help: `Usage:
  mlops models list [--target T] [-o json]
  mlops models show <name> [--target T] [-o json]

\`models show\` gives each version's standing from the registry's aliases and tags: champion,
previous champion (what \`mlops rollback\` returns to), rolled back, approved (by whom, when a person
did), rejected, awaiting human approval, or not evaluated.

Examples:
  mlops models list
  mlops models show hp_az_catalog.hp_iris_ml.irisclassifierdemo
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { ...CONFIG_OPTIONS, ...OUTPUT_OPTION });
    const [sub, name, ...extra] = positionals;
    if (values.help || (sub !== 'list' && sub !== 'show') || extra.length > 0 || (sub === 'show' && !name) || (sub === 'list' && name)) {
      io.stdout(this.help);
      return values.help ? EXIT_OK : EXIT_USAGE;
    }
    const format = outputFormat(values.output);
    let opened;
    try {
      opened = await openCommandWorkspace(values, io, { access: 'read', ...(name ? { subject: `Model ${name}` } : {}) });
    } catch (error) {
      if (sub === 'list' && isNothingRanYet(error)) {
        io.stdout(format === 'json' ? '[]\n' : `No registered models yet in the workspace ${String((error as MlopsError).details?.workspace)} (nothing has run there): try \`mlops run model_training_job\`.\n`);
        return EXIT_OK;
      }
      throw error;
    }
    const { workspace } = opened;
    const signal = io.signal ? { signal: io.signal } : {};
    if (sub === 'list') {
      const models = await allPages((pageToken) => workspace.registry.searchRegisteredModels({ ...(pageToken ? { pageToken } : {}), ...signal }), { what: 'the registered-model search', ...signal });
      if (format === 'json') io.stdout(JSON.stringify(models, null, 2) + '\n');
      else if (models.length === 0) io.stdout('No registered models yet: try `mlops run model_training_job`.\n');
      else {
        const rows = await Promise.all(
          models.map(async (m) => {
            const versions = await workspace.registry.listModelVersions(m.name, signal);
            const aliases = Object.entries(m.aliases).map(([a, v]) => `${a}→${v}`).join(', ');
            return [m.name, String(versions.length), versions[0]?.version ?? '', aliases, formatTime(m.lastUpdatedTimestamp)];
          }),
        );
        io.stdout(formatTable(['NAME', 'VERSIONS', 'LATEST', 'ALIASES', 'UPDATED'], rows));
      }
      return EXIT_OK;
    }
    const model = await workspace.registry.getRegisteredModel(name!, signal);
    const versions = await workspace.registry.listModelVersions(name!, signal);
    const standings = versionStandings(versions);
    if (format === 'json') {
      io.stdout(JSON.stringify({ ...model, versions: versions.map((v) => ({ ...v, standing: standings.get(v.version) })) }, null, 2) + '\n');
      return EXIT_OK;
    }
    const header = `${model.name}${model.description ? ` — ${model.description}` : ''}\n`;
    const rows = versions.map((v) => [
      v.version,
      v.aliases.join(', '),
      standings.get(v.version)?.text ?? '',
      formatTime(v.creationTimestamp),
      v.runId,
      v.tags['mlops.approval_reasons'] ?? '',
    ]);
    io.stdout(header + formatTable(['VERSION', 'ALIASES', 'STANDING', 'CREATED', 'RUN', 'REASONS'], rows));
    return EXIT_OK;
  },
};
