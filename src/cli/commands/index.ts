import type { Command } from '../io.js';
import { approveCommand } from './approve.js';
import { bundleCommand } from './bundle.js';
import { configCommand } from './config.js';
import { ingestCommand } from './ingest.js';
import { modelsCommand } from './models.js';
import { rollbackCommand } from './rollback.js';
import { runsCommand } from './runs.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';
import { trackingCommand } from './tracking.js';

/** Every top-level command, in the order `mlops --help` lists them. Add new commands here. */
export const COMMANDS: readonly Command[] = [runCommand, ingestCommand, runsCommand, modelsCommand, approveCommand, rollbackCommand, serveCommand, trackingCommand, bundleCommand, configCommand];
