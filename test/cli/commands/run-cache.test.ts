import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_CACHE_KEY_TAG } from '../../../src/pipeline/step-cache.js';
import { cli, cliWorkspaceContext } from '../../helpers/cli-workspace.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const LANDING = join(import.meta.dirname, '..', '..', '..', 'data', 'landing');

describe('mlops run and the step cache', () => {
  it('reuses train and evaluate on unchanged data, says so, and runs them again with --force, cache=false or new data', async () => {
    const cwd = await tempDir();
    const landing = join(cwd, 'landing');
    await cp(join(LANDING, 'iris_part_001.csv'), join(landing, 'iris_part_001.csv'), { recursive: true });
    await cp(join(LANDING, 'iris_part_002.csv'), join(landing, 'iris_part_002.csv'));
    const overrides = ['--json', JSON.stringify({ source_path: landing, epochs: '40' })];
    const run = async (...extra: string[]) => {
      const out = await cli(['run', 'pipeline_job', '-o', 'json', ...overrides.slice(0, extra.includes('--json') ? 0 : 2), ...extra], cwd);
      expect(out.code, out.stderr).toBe(0);
      return { result: JSON.parse(out.stdout), stderr: out.stderr };
    };

    const first = (await run()).result;
    expect(first.model.version).toBe('1');
    expect(first.stages.filter((s: { reused_from?: string }) => s.reused_from)).toEqual([]);

    const second = await run();
    const reused = Object.fromEntries(second.result.stages.map((s: { name: string; reused_from?: string }) => [s.name, s.reused_from]));
    expect(reused).toEqual({ ingest: undefined, train: first.training.run_id, evaluate: first.evaluation.run_id, approve: undefined, deploy: undefined, score: undefined });
    expect(second.result.model.version).toBe('1');
    expect(second.result.training.run_id).toBe(first.training.run_id);
    expect(second.result.deployment.changed).toBe(false);
    expect(second.stderr).toContain(`train: reused from run ${first.training.run_id} (inputs unchanged)`);
    expect(second.stderr).toContain(`evaluate: reused from run ${first.evaluation.run_id} (inputs unchanged)`);
    const report = await readFile(second.result.report.path, 'utf8');
    expect(report).toContain(`data-stage="train" data-status="succeeded" data-reused-from="${first.training.run_id}"`);

    // One version, one train run, one evaluate run: the rerun created neither.
    const { workspace } = await cliWorkspaceContext(cwd);
    const name = first.model.name;
    expect((await workspace.registry.listModelVersions(name)).map((v) => v.version)).toEqual(['1']);
    const experiment = (await workspace.tracking.getExperimentByName(first.training.experiment_name))!;
    const tagged = await workspace.tracking.searchRuns({ experimentIds: [experiment.experimentId], filter: `tags.\`${STEP_CACHE_KEY_TAG}\` != ''` });
    expect(tagged.items.map((r) => r.info.runId).sort()).toEqual([first.training.run_id, first.evaluation.run_id].sort());

    const forced = (await run('--force')).result;
    expect(forced.stages.filter((s: { reused_from?: string }) => s.reused_from)).toEqual([]);
    expect(forced.model.version).toBe('2');

    const uncached = (await run('--json', JSON.stringify({ source_path: landing, epochs: '40', cache: 'false' }))).result;
    expect(uncached.model.version).toBe('3');

    // New data: a new ingested file changes train's data fingerprint.
    await cp(join(LANDING, 'iris_part_003.csv'), join(landing, 'iris_part_003.csv'));
    const fresh = (await run()).result;
    expect(fresh.ingestion.files_ingested).toBe(1);
    expect(fresh.stages.find((s: { name: string }) => s.name === 'train').reused_from).toBeUndefined();
    expect(fresh.model.version).toBe('4');
  }, 180_000);

  it('exits 2 for a cache parameter that is not true or false, before anything runs', async () => {
    const cwd = await tempDir();
    const out = await cli(['run', 'model_training_job', '--json', '{"cache":"sometimes"}'], cwd);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('parameter "cache": expected true or false, found "sometimes"');
  });
});
