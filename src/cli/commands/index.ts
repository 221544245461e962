import type { Command } from '../io.js';
import { configCommand } from './config.js';
import { runCommand } from './run.js';

/** Every top-level command, in the order `mlops --help` lists them. Add new commands here. */
export const COMMANDS: readonly Command[] = [runCommand, configCommand];
