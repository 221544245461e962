import { redactUrl } from '../../redact.js';
import { CONFIG_OPTIONS, parseCommandArgs } from '../args.js';
import { loadCommandConfig } from '../context.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { Command } from '../io.js';

export const configCommand: Command = {
  name: 'config',
  help: `Usage: mlops config show [--target T] [--var k=v]… [--config FILE]

Prints the resolved configuration of a target as JSON: variables after precedence,
the workspace, the tracking URI, approval rules and every job's parameters.

Examples:
  mlops config show
  mlops config show --target prod --var catalog_name=main
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, CONFIG_OPTIONS);
    if (values.help || positionals[0] !== 'show' || positionals.length > 1) {
      io.stdout(this.help);
      return values.help ? EXIT_OK : EXIT_USAGE;
    }
    const config = await loadCommandConfig(values, io);
    io.stdout(JSON.stringify({ ...config, trackingUri: redactUrl(config.trackingUri) }, null, 2) + '\n');
    return EXIT_OK;
  },
};
