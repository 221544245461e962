import { describe, expect, it } from 'vitest';
import { lineageNodes, renderLineage } from '../../src/report/lineage.js';
import { binaryReusedRun, failedRun, rejectedRun, succeededRun } from './sample-data.js';

describe('lineage', () => {
  it('follows source files → volume → model version → predictions', () => {
    const nodes = lineageNodes(succeededRun());
    expect(nodes.map((n) => [n.kind, n.value])).toEqual([
      ['source', './data/landing'],
      ['volume', '/Volumes/main/iris/vol/ingested'],
      ['model', 'main.iris.classifier v2'],
      ['predictions', 'main.iris.iris_predictions'],
    ]);
    expect(nodes[0]!.details[0]).toBe('3 file(s): iris_part_001.csv, iris_part_002.csv, iris_part_003.csv');
    expect(nodes[2]!.details).toEqual(['training run trainrun', '@champion, previously version 1']);
    expect(nodes[3]!.details).toEqual(['150 row(s)', '/tmp/ws/.mlops/tables/main/iris/iris_predictions']);
    // An MLflow run id (32 hex digits) is shortened: a lineage card is too narrow for it whole.
    const data = binaryReusedRun();
    expect(lineageNodes(data)[2]!.details[0]).toBe(`training run ${data.result.training!.run_id.slice(0, 8)}…`);
  });

  it('marks what the run did not produce, and says when no new files came in', () => {
    const rejected = lineageNodes(rejectedRun());
    expect(rejected[2]!.details).toContain('approval: rejected');
    expect(rejected[3]!.value).toBeUndefined();
    const failed = lineageNodes(failedRun());
    expect(failed.map((n) => n.value === undefined)).toEqual([false, false, true, true]);

    const rerun = succeededRun();
    rerun.result.ingestion = { ...rerun.result.ingestion!, files: [], files_ingested: 0, files_skipped: 3 };
    expect(lineageNodes(rerun)[0]!.details).toEqual(['no new files (3 unchanged since an earlier run)']);
  });

  it('renders four nodes with arrows between, wrapping long names at dots and slashes', () => {
    const out = renderLineage(rejectedRun()).value;
    expect(out.match(/class="lineage-node/g)).toHaveLength(4);
    expect(out.match(/lineage-arrow/g)).toHaveLength(3);
    expect(out).toContain('data-lineage="predictions"><div class="lineage-title">Predictions</div><div class="lineage-value muted">not produced by this run');
    expect(out).toContain('main.<wbr>iris.<wbr>classifier v2');
  });
});
