import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { loadConfig } from '../../src/config/load.js';
import { JOB_NAMES, type JobName } from '../../src/config/types.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const docsDir = join(repoRoot, 'docs');
const pages: { path: string; text: string }[] = [
  { path: join(repoRoot, 'README.md'), text: readFileSync(join(repoRoot, 'README.md'), 'utf8') },
  ...readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => ({ path: join(docsDir, f), text: readFileSync(join(docsDir, f), 'utf8') })),
];
const name = (path: string) => path.slice(repoRoot.length + 1);

/** `mlops <command> …` as the docs write it (not `.mlops/`, `mlops.yml` or `mlops-e2e`). */
const COMMAND_USE = /(?<![\w./-])mlops ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/g;
/** Commands whose first argument is a subcommand, as their help spells it. */
const SUBCOMMANDS: Record<string, RegExp> = { ingest: /^\s+mlops ingest (\w+)/gm, runs: /mlops runs (\w+)/g, models: /mlops models (\w+)/g, tracking: /mlops tracking (\w+)/g, bundle: /mlops bundle (\w+)/g, config: /mlops config (\w+)/g };

/** Each command's full help, loaded once (commands are imported on use). */
const HELP = new Map(await Promise.all(COMMANDS.map(async (c) => [c.name, (await c.load()).help] as const)));

function helpOf(command: string): string {
  const help = HELP.get(command);
  if (help === undefined) throw new Error(`no command ${command}`);
  return help;
}

describe('the documentation', () => {
  it('has a README front page under 200 lines, and every page it links exists', () => {
    expect(pages[0]!.text.split('\n').length).toBeLessThan(200);
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target] of page.text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        if (!existsSync(resolve(dirname(page.path), target!))) broken.push(`${name(page.path)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only commands and subcommands the CLI has', () => {
    const wrong: string[] = [];
    for (const page of pages) {
      for (const [, command, sub] of page.text.matchAll(COMMAND_USE)) {
        if (!COMMANDS.some((c) => c.name === command)) {
          wrong.push(`${name(page.path)}: mlops ${command}`);
          continue;
        }
        const pattern = SUBCOMMANDS[command!];
        if (pattern && sub !== undefined) {
          const known = [...helpOf(command!).matchAll(pattern)].map((m) => m[1]);
          if (!known.includes(sub)) wrong.push(`${name(page.path)}: mlops ${command} ${sub} (help knows ${known.join(', ')})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('names only flags that the command on the same line has', () => {
    const wrong: string[] = [];
    for (const page of pages) {
      for (const line of page.text.split('\n')) {
        const uses = [...line.matchAll(COMMAND_USE)];
        // One command per line: flags after it belong to it (a line naming two commands is skipped).
        if (uses.length !== 1 || !COMMANDS.some((c) => c.name === uses[0]![1])) continue;
        const help = helpOf(uses[0]![1]!);
        const after = line.slice(uses[0]!.index!);
        for (const [flag] of after.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)) {
          if (!help.includes(flag)) wrong.push(`${name(page.path)}: mlops ${uses[0]![1]} ${flag}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('names every CLI command, in the CLI reference and on the front page', () => {
    for (const page of [pages[0]!, pages.find((p) => p.path.endsWith('cli.md'))!]) {
      const named = new Set([...page.text.matchAll(COMMAND_USE)].map((m) => m[1]));
      expect(COMMANDS.map((c) => c.name).filter((c) => !named.has(c)), name(page.path)).toEqual([]);
    }
  });

  it('lists for each job exactly parameters that job has', async () => {
    const config = await loadConfig({ cwd: repoRoot, env: {} });
    const cli = pages.find((p) => p.path.endsWith('cli.md'))!.text;
    const rows = cli.split('\n').filter((line) => /^\| `\w+_job` \|/.test(line));
    expect(rows.map((row) => /^\| `(\w+)`/.exec(row)![1]).sort()).toEqual([...JOB_NAMES].sort());
    for (const row of rows) {
      const job = /^\| `(\w+)`/.exec(row)![1] as JobName;
      const cells = row.split('|');
      const named = [...cells[3]!.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
      const has = Object.keys(config.jobs[job].parameters);
      expect(named.filter((p) => !has.includes(p)), job).toEqual([]);
      if (job !== 'pipeline_job') expect(has.filter((p) => !named.includes(p)), `${job}: parameters the table leaves out`).toEqual([]);
    }
    // Every job the pages name exists.
    for (const page of pages) {
      for (const [, job] of page.text.matchAll(/`(\w+_job)`/g)) expect(JOB_NAMES as readonly string[], name(page.path)).toContain(job);
    }
  });
});
