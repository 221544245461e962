import { describe, expect, it } from 'vitest';
import { renderApproval, renderDeployment, renderEvaluation, renderIngestion, renderScoring, renderTraining } from '../../src/report/stage-sections.js';
import { binaryReusedRun, failedRun, rejectedRun, succeededRun } from './sample-data.js';

describe('stage sections', () => {
  it('ingestion shows counts, files set aside with their reasons, the files ingested, and fields added by newer stage versions', () => {
    const data = succeededRun();
    Object.assign(data.result.ingestion!, { files_renamed: 4 });
    const out = renderIngestion(data.result).value;
    expect(out).toContain('<dt>Files listed</dt><dd>5</dd>');
    expect(out).toContain('<dt>Files quarantined</dt><dd><span class="warn">1</span></dd>');
    expect(out).toContain('<dt>Rows quarantined</dt><dd><span class="warn">2</span></dd>');
    expect(out).toContain('<dt>Files deferred</dt><dd>0</dd>');
    // Paths carry a line-break opportunity after each separator (they wrap between parts, not mid-word).
    expect(out).toContain('<tr><td><code>broken.<wbr>csv</code></td><td>not UTF-8 at line 3</td></tr>');
    expect(out).toContain('<dt>files renamed</dt><dd>4</dd>');
    expect(out.match(/<li><code>iris_<wbr>part_<wbr>00\d\.<wbr>csv<\/code><\/li>/g)).toHaveLength(3);
  });

  it('ingestion from an older, smaller summary renders what is there', () => {
    const data = succeededRun();
    const { files_ingested, files_skipped, rows_written, rows_quarantined, output_path, quarantine_path } = data.result.ingestion!;
    data.result.ingestion = { files_ingested, files_skipped, rows_written, rows_quarantined, output_path, quarantine_path } as never;
    const out = renderIngestion(data.result).value;
    expect(out).toContain('<dt>Rows written</dt><dd>150</dd>');
    expect(out).not.toContain('Files listed');
    expect(out).not.toContain('<table');
    expect(out).toContain('No new source files');
  });

  it('training draws a loss chart and an accuracy chart, each with train and validation curves', () => {
    const out = renderTraining(succeededRun()).value;
    expect(out.match(/data-chart="line"/g)).toHaveLength(2);
    expect([...out.matchAll(/data-series="(\w+)" data-points="(\d+)"/g)].map((m) => `${m[1]}:${m[2]}`)).toEqual(['loss:5', 'val_loss:5', 'accuracy:5', 'val_accuracy:5']);
  });

  it('training without curves says why', () => {
    const data = succeededRun();
    data.training_curves = {};
    data.training_curves_note = 'the training run trainrun was not found in file:///x';
    expect(renderTraining(data).value).toContain('No per-epoch metrics to plot: the training run trainrun was not found in file:///x.');
  });

  it('evaluation compares with the champion and draws the confusion matrix', () => {
    const out = renderEvaluation(succeededRun().result).value;
    expect(out).toContain('<th class="num">v2 (candidate)</th><th class="num">v1 (champion)</th><th class="num">Δ</th>');
    expect(out).toContain('<tr><td>accuracy</td><td class="num">0.9667</td><td class="num">0.9333</td><td class="num">+0.0334</td></tr>');
    expect(out.match(/class="cm-cell/g)).toHaveLength(9);
    expect(out.match(/class="bar champion" data-metric/g)).toHaveLength(2);
  });

  it('evaluation of a two-class model draws its PR curve with the PR AUC; a multiclass one has none', () => {
    const data = binaryReusedRun();
    const out = renderEvaluation(data.result).value;
    const curve = data.result.evaluation!.pr_curve!;
    expect(out).toContain('data-chart="pr-curve"');
    expect(out).toContain(`data-points="${curve.recall.length}"`);
    expect(out).toContain(`PR AUC ${data.result.evaluation!.metrics.pr_auc!.toFixed(4)}`);
    expect(out).toContain('Precision-recall curve (positive label: male)');
    expect(renderEvaluation(succeededRun().result).value).not.toContain('pr-curve');
  });

  it('approval shows the verdict, the failed rules and every check', () => {
    const out = renderApproval(rejectedRun().result).value;
    expect(out).toContain('<div class="verdict verdict-rejected"><span class="verdict-word">Rejected</span>');
    expect(out).toContain('<tr class="check-failed"><td>✘</td><td>accuracy</td><td class="num">0.9667</td><td class="num">–</td><td>accuracy = 0.9667 must be at least 0.99</td></tr>');
    const dryRun = succeededRun();
    dryRun.result.approval = { ...dryRun.result.approval!, mode: 'dry_run', wouldBe: 'rejected' };
    expect(renderApproval(dryRun.result).value).toContain('enabled mode would have <strong>rejected</strong> it');
  });

  it('deployment shows the version, the alias move and the previous champion; scoring the rows and table', () => {
    const deployment = renderDeployment(succeededRun().result).value;
    expect(deployment).toContain('version <strong>2</strong> is <code>@champion</code>');
    expect(deployment).toContain('<dt>Previous champion</dt><dd>version <strong>1</strong>');
    expect(deployment).toContain('moved from version 1 to version 2');
    const scoring = renderScoring(succeededRun().result).value;
    expect(scoring).toContain('<dt>Rows scored</dt><dd>150</dd>');
    expect(scoring).toContain('<code>main.<wbr>iris.<wbr>iris_<wbr>predictions</code>');
  });

  it('sections of stages that did not run say so instead of showing content', () => {
    expect(renderDeployment(rejectedRun().result).value).toContain('Not run: the run stopped earlier, at <strong>approve</strong> (rejected).');
    const failed = failedRun();
    expect(renderTraining(failed).value).toContain('<strong>train failed</strong>');
    expect(renderEvaluation(failed.result).value).toContain('at <strong>train</strong> (failed)');
    expect(renderScoring(failed.result).value).not.toContain('Rows scored');
  });
});
