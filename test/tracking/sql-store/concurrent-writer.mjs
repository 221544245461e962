// One writer process for the concurrency tests: logs `batches` log-batch calls of 50 metrics each
// to its own run and creates `versions` model versions (each with a tag) of a shared model, all
// through the SQLite store in the built package. Prints {runId, versions} as JSON.
import { join } from 'node:path';
const [dist, database, experimentId, name, batches, versions] = process.argv.slice(2);
const { SqliteConnection } = await import(join(dist, 'tracking/sql-store/connection.js'));
const { SqlTrackingStore } = await import(join(dist, 'tracking/sql-store/tracking-sql-store.js'));
const { SqlModelRegistry } = await import(join(dist, 'tracking/sql-store/registry-sql-store.js'));
const connection = new SqliteConnection(database);
const tracking = new SqlTrackingStore({ connection, uri: `sqlite:///${database}`, artifactsDestination: join(database, '..', 'mlartifacts') });
const registry = new SqlModelRegistry({ connection });
const run = await tracking.createRun({ experimentId, runName: name });
const made = [];
for (let batch = 0; batch < Number(batches); batch += 1) {
  const metrics = Array.from({ length: 50 }, (_, i) => ({ key: 'm', value: batch * 50 + i, timestamp: 1_000 + batch, step: batch * 50 + i }));
  await tracking.logBatch(run.runId, { metrics });
  if (batch < Number(versions)) made.push((await registry.createModelVersion({ name: 'shared', source: `${run.artifactUri}/model`, runId: run.runId, tags: { writer: name } })).version);
}
connection.close();
process.stdout.write(JSON.stringify({ runId: run.runId, versions: made }) + '\n');
