// `npm run example -- <name>`: runs examples/<name>.ts, compiled to dist-examples/<name>.js by
// `npm run build:examples` (plain Node 20: no --experimental-strip-types, no tsx). The example runs
// in the folder npm was started from (INIT_CWD), so it finds that folder's mlops.yml as the CLI does.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const names = readdirSync(join(root, 'examples'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -3))
  .sort();
const [name, ...args] = process.argv.slice(2);
if (name === undefined || !names.includes(name)) {
  console.error(`${name === undefined ? 'Which example?' : `No example "${name}".`} Run one with: npm run example -- <name>\nThe examples: ${names.join(', ')}`);
  process.exit(2);
}
const result = spawnSync(process.execPath, [join(root, 'dist-examples', `${name}.js`), ...args], { stdio: 'inherit', cwd: process.env.INIT_CWD ?? process.cwd() });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
