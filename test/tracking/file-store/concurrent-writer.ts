// One of several processes writing to the same mlruns folder at once (see tracking-file-store.test.ts).
// argv: <root> <writer name> <run id to log to> <count> <start at, ms since the epoch>
import { MlopsError } from '../../../src/errors.js';
import { FileModelRegistry } from '../../../src/tracking/file-store/registry-file-store.js';
import { FileTrackingStore } from '../../../src/tracking/file-store/tracking-file-store.js';

const [root, writer, runId, countText, startText] = process.argv.slice(2) as [string, string, string, string, string];
const count = Number(countText);
const tracking = new FileTrackingStore({ root });
const registry = new FileModelRegistry({ root });

// All writers begin at the same moment, so their first creates really collide.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startText) - Date.now())));

const versions: string[] = [];
const experiments: string[] = [];
for (let i = 0; i < count; i += 1) {
  // Everyone tries to create the same experiment; exactly one may succeed.
  try {
    experiments.push(await tracking.createExperiment('shared-by-all'));
  } catch (error) {
    if (!(error instanceof MlopsError && error.code === 'ALREADY_EXISTS')) throw error;
  }
  versions.push((await registry.createModelVersion({ name: 'shared', source: `runs:/${runId}/model`, runId, tags: { writer } })).version);
  await tracking.logBatch(runId, { metrics: [{ key: 'progress', value: i, timestamp: i, step: i }], params: { [`${writer}_${i}`]: String(i) } });
  await tracking.setTag(runId, `last_${writer}`, String(i));
  await registry.setAlias('shared', 'latest_by_anyone', versions[versions.length - 1]!);
}
process.stdout.write(JSON.stringify({ versions, experiments }));
