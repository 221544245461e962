import type { IngestionSummary } from '../../src/pipeline/state.js';
import type { CurvePoint, RunReportData } from '../../src/report/data.js';
import { binaryMetrics, prCurve } from '../../src/stages/evaluate/binary.js';

/** A finished pipeline_job run as the runner reports it: version 2 replaces champion version 1. */
export function succeededRun(): RunReportData {
  return {
    result: {
      run_id: 'run0001',
      job: 'pipeline_job',
      status: 'succeeded',
      target: 'dev',
      workspace: { kind: 'local', location: '/tmp/ws/.mlops' },
      started_at: '2026-01-02T03:04:05.000Z',
      duration_ms: 4321,
      stages: [
        { name: 'ingest', status: 'succeeded', duration_ms: 80 },
        { name: 'train', status: 'succeeded', duration_ms: 3600 },
        { name: 'evaluate', status: 'succeeded', duration_ms: 40 },
        { name: 'approve', status: 'succeeded', duration_ms: 30 },
        { name: 'deploy', status: 'succeeded', duration_ms: 6 },
        { name: 'score', status: 'succeeded', duration_ms: 95 },
      ],
      tracking: { uri: 'file:///tmp/ws/.mlops/mlruns', experiment_name: '/Shared/iris', experiment_id: '42' },
      // Asserted rather than annotated: the ingestion summary grows fields over time, and the report must cope with both.
      ingestion: {
        files_listed: 5,
        files_ingested: 3,
        files_skipped: 0,
        files_quarantined: 1,
        files_changed: 0,
        files_deferred: 0,
        rows_written: 150,
        rows_quarantined: 2,
        output_path: '/Volumes/main/iris/vol/ingested',
        quarantine_path: '/Volumes/main/iris/vol/quarantine',
        files: ['iris_part_001.csv', 'iris_part_002.csv', 'iris_part_003.csv'],
        quarantined_files: [{ path: 'broken.csv', reason: 'not UTF-8 at line 3' }],
        changed_files: [],
        run_id: 'ingestrun',
        data_digest: 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789',
      } as IngestionSummary,
      training: {
        run_id: 'trainrun',
        experiment_id: '42',
        experiment_name: '/Shared/iris',
        metrics: { test_accuracy: 0.9667, test_f1_macro: 0.9666 },
        epochs_run: 5,
      },
      model: { name: 'main.iris.classifier', version: '2', uri: 'models:/main.iris.classifier/2' },
      evaluation: {
        run_id: 'evalrun',
        metrics: { accuracy: 0.9667, f1_macro: 0.9666, log_loss: 0.034, example_count: 30 },
        confusion_matrix: {
          labels: ['setosa', 'versicolor', 'virginica'],
          matrix: [
            [10, 0, 0],
            [0, 9, 1],
            [0, 0, 10],
          ],
        },
        dataset_digest: '01e14941cc64fca39c57c1f66bc4a74b9b9ec4eead51924034bd074021ef9c2a',
        dataset_rows: 30,
        champion: { version: '1', metrics: { accuracy: 0.9333, f1_macro: 0.93, log_loss: 0.05, example_count: 30 } },
      },
      approval: {
        status: 'approved',
        mode: 'enabled',
        wouldBe: 'approved',
        checks: [{ metric: 'accuracy', value: 0.9667, championValue: 0.9333, passed: true, reason: 'accuracy = 0.9667, at least 0.9' }],
        reasons: [],
      },
      deployment: { alias: 'champion', changed: true, previous_champion: '1' },
      predictions: { path: '/tmp/ws/.mlops/tables/main/iris/iris_predictions', rows: 150, table: 'main.iris.iris_predictions' },
    },
    training_curves: {
      loss: curve([1.2, 0.8, 0.5, 0.3, 0.2]),
      accuracy: curve([0.4, 0.6, 0.8, 0.9, 0.95]),
      val_loss: curve([1.3, 0.9, 0.6, 0.4, 0.35]),
      val_accuracy: curve([0.35, 0.55, 0.75, 0.85, 0.9]),
    },
    source: './data/landing',
    generated_at: '2026-01-02T03:05:00.000Z',
  };
}

/** The same run stopped by the approval gate: nothing deployed, nothing scored. */
export function rejectedRun(): RunReportData {
  const data = succeededRun();
  const r = data.result;
  r.status = 'rejected';
  r.stages = r.stages.map((s) =>
    s.name === 'approve' ? { ...s, status: 'rejected' } : s.name === 'deploy' || s.name === 'score' ? { ...s, status: 'skipped', duration_ms: 0 } : s,
  );
  r.approval = {
    status: 'rejected',
    mode: 'enabled',
    wouldBe: 'rejected',
    checks: [{ metric: 'accuracy', value: 0.9667, championValue: undefined, passed: false, reason: 'accuracy = 0.9667 must be at least 0.99' }],
    reasons: ['accuracy = 0.9667 must be at least 0.99'],
  };
  delete r.deployment;
  delete r.predictions;
  return data;
}

/** A run whose training failed: only ingestion produced anything. */
export function failedRun(): RunReportData {
  const data = succeededRun();
  const r = data.result;
  const message = 'No ingested rows under /Volumes/main/iris/vol/ingested: run data_ingestion_job first';
  r.status = 'failed';
  r.stages = r.stages.map((s) =>
    s.name === 'ingest' ? s : s.name === 'train' ? { ...s, status: 'failed', duration_ms: 12, error: message } : { ...s, status: 'skipped', duration_ms: 0 },
  );
  r.failure = { stage: 'train', code: 'NOT_FOUND', message };
  for (const key of ['training', 'model', 'evaluation', 'approval', 'deployment', 'predictions'] as const) delete r[key];
  data.training_curves = {};
  return data;
}

/**
 * A rerun on unchanged data of a two-class model: train and evaluate reused from earlier runs (the
 * step cache), MLflow's 32-hex run ids everywhere, and the PR curve of a fixed ranking of 60 rows.
 */
export function binaryReusedRun(): RunReportData {
  const data = succeededRun();
  const r = data.result;
  const hex = (digit: string) => `${digit}${'0123456789abcdef'.repeat(2).slice(0, 31)}`;
  r.run_id = hex('a');
  r.stages = r.stages.map((s) => (s.name === 'train' ? { ...s, duration_ms: 20, reused_from: hex('b') } : s.name === 'evaluate' ? { ...s, duration_ms: 15, reused_from: hex('c') } : s));
  (r.ingestion as { run_id: string }).run_id = hex('d');
  r.training = { ...r.training!, run_id: hex('b') };
  r.model = { name: 'main.penguins.penguinclassifier', version: '1', uri: 'models:/main.penguins.penguinclassifier/1' };
  const isPositive = Array.from({ length: 60 }, (_, i) => i % 2 === 0);
  const scores = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 0.55 : 0.4) + ((i * 37) % 60) / 150);
  const metrics = { accuracy: 0.95, f1_macro: 0.95, log_loss: 0.12, roc_auc: 0.98, ...binaryMetrics(isPositive, scores)! };
  r.evaluation = {
    run_id: hex('c'),
    metrics,
    confusion_matrix: { labels: ['female', 'male'], matrix: [[28, 2], [1, 29]] },
    dataset_digest: '01e14941cc64fca39c57c1f66bc4a74b9b9ec4eead51924034bd074021ef9c2a',
    dataset_rows: 60,
    pr_curve: { positive_label: 'male', ...prCurve(isPositive, scores)! },
  };
  r.deployment = { alias: 'champion', changed: false, previous_champion: undefined };
  return data;
}

export function curve(values: number[]): CurvePoint[] {
  return values.map((value, step) => ({ step, value }));
}

/** Counts non-overlapping occurrences of `needle` in `haystack`. */
export function occurrences(haystack: string, needle: string | RegExp): number {
  if (typeof needle === 'string') return haystack.split(needle).length - 1;
  return [...haystack.matchAll(new RegExp(needle.source, needle.flags.includes('g') ? needle.flags : `${needle.flags}g`))].length;
}
