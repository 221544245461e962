import type { Command } from '../io.js';
import { configCommand } from './config.js';
import { modelsCommand } from './models.js';
import { runsCommand } from './runs.js';
import { runCommand } from './run.js';

/** Every top-level command, in the order `mlops --help` lists them. Add new commands here. */
export const COMMANDS: readonly Command[] = [runCommand, runsCommand, modelsCommand, configCommand];
