import type { StageName } from '../config/types.js';
import { renderConfusionMatrix } from './confusion-matrix.js';
import type { RunReportData, ReportedJobResult } from './data.js';
import { code, extraFacts, idCode, renderFacts } from './facts.js';
import { formatCount, formatDelta, formatMetric } from './format.js';
import { breakable, html, type HtmlValue, type SafeHtml } from './html.js';
import { renderLineChart } from './line-chart.js';
import { renderMetricBars } from './metric-bars.js';
import { notRunNotice } from './stage-outcome.js';

const TRAIN_COLOR = '#4f46e5';
const VALIDATION_COLOR = '#ea580c';
const MAX_LISTED_FILES = 50;

function section(stage: StageName, title: string, result: ReportedJobResult, body: () => HtmlValue): SafeHtml {
  const notice = notRunNotice(result, stage);
  return html`<section class="card stage-section" id="stage-${stage}" data-stage="${stage}"><h2>${title}</h2>${notice ?? body()}</section>`;
}

/**
 * Ingestion facts that newer versions of the ingest stage report; read defensively so that a report
 * of a run recorded by an older version (or a summary from another backend) still renders.
 */
interface IngestionDetails {
  files_listed?: number;
  files_quarantined?: number;
  files_changed?: number;
  files_deferred?: number;
  quarantined_files?: { path: string; reason: string }[];
  changed_files?: { path: string; action: string }[];
  run_id?: string;
  data_digest?: string;
}

const KNOWN_INGESTION_FIELDS = [
  'files_listed', 'files_ingested', 'files_skipped', 'files_quarantined', 'files_changed', 'files_deferred', 'rows_written', 'rows_quarantined',
  'output_path', 'quarantine_path', 'files', 'quarantined_files', 'changed_files', 'run_id', 'data_digest',
];

export function renderIngestion(result: ReportedJobResult): SafeHtml {
  return section('ingest', 'Data ingested', result, () => {
    const ingestion = result.ingestion;
    if (!ingestion) return html`<p class="note">The stage recorded no summary.</p>`;
    const details = ingestion as unknown as IngestionDetails;
    const files = Array.isArray(ingestion.files) ? ingestion.files : [];
    const quarantined = Array.isArray(details.quarantined_files) ? details.quarantined_files : [];
    const changed = Array.isArray(details.changed_files) ? details.changed_files : [];
    const count = (value: number | undefined, warn = false): HtmlValue =>
      typeof value !== 'number' ? undefined : warn && value > 0 ? html`<span class="warn">${formatCount(value)}</span>` : formatCount(value);
    const listed = files.slice(0, MAX_LISTED_FILES);
    return html`${renderFacts([
      ['Files listed', count(details.files_listed)],
      ['Files ingested', count(ingestion.files_ingested)],
      ['Files unchanged', typeof ingestion.files_skipped === 'number' ? html`${formatCount(ingestion.files_skipped)} <span class="muted">(ingested by an earlier run)</span>` : undefined],
      ['Files quarantined', count(details.files_quarantined, true)],
      ['Files changed', count(details.files_changed, true)],
      ['Files deferred', count(details.files_deferred, true)],
      ['Rows written', count(ingestion.rows_written)],
      ['Rows quarantined', count(ingestion.rows_quarantined, true)],
      ['Output', code(ingestion.output_path)],
      ['Quarantine', code(ingestion.quarantine_path)],
      ['Ingestion run', typeof details.run_id === 'string' ? idCode(details.run_id) : undefined],
      ['Data digest', typeof details.data_digest === 'string' ? html`<code title="${details.data_digest}">${details.data_digest.slice(0, 16)}…</code>` : undefined],
      ...extraFacts(ingestion, KNOWN_INGESTION_FIELDS),
    ])}${
      quarantined.length > 0
        ? html`<table class="quarantined"><thead><tr><th>File set aside whole</th><th>Why</th></tr></thead><tbody>${quarantined
            .slice(0, MAX_LISTED_FILES)
            .map((f) => html`<tr><td><code>${breakable(f.path)}</code></td><td>${f.reason}</td></tr>`)}</tbody></table>`
        : ''
    }${
      changed.length > 0
        ? html`<table class="changed"><thead><tr><th>File changed since it was ingested</th><th>What happened</th></tr></thead><tbody>${changed
            .slice(0, MAX_LISTED_FILES)
            .map((f) => html`<tr><td><code>${breakable(f.path)}</code></td><td>${f.action}</td></tr>`)}</tbody></table>`
        : ''
    }${
      files.length > 0
        ? html`<details class="file-list" open><summary>${files.length} source file(s) ingested by this run</summary><ul>${listed.map((f) => html`<li><code>${breakable(f)}</code></li>`)}${
            files.length > listed.length ? html`<li class="muted">… and ${files.length - listed.length} more</li>` : ''
          }</ul></details>`
        : html`<p class="note">No new source files: nothing was ingested by this run.</p>`
    }`;
  });
}

export function renderTraining(data: RunReportData): SafeHtml {
  const result = data.result;
  return section('train', 'Training', result, () => {
    const training = result.training;
    if (!training) return html`<p class="note">The stage recorded no summary.</p>`;
    const curves = data.training_curves;
    const charts: SafeHtml[] = [];
    if (curves.loss?.length || curves.val_loss?.length) {
      charts.push(
        renderLineChart({
          title: 'Loss per epoch',
          xLabel: 'epoch',
          series: [
            { name: 'loss', points: curves.loss ?? [], color: TRAIN_COLOR },
            { name: 'val_loss', points: curves.val_loss ?? [], color: VALIDATION_COLOR, dashed: true },
          ],
        }),
      );
    }
    if (curves.accuracy?.length || curves.val_accuracy?.length) {
      charts.push(
        renderLineChart({
          title: 'Accuracy per epoch',
          xLabel: 'epoch',
          yDomain: [0, 1],
          series: [
            { name: 'accuracy', points: curves.accuracy ?? [], color: TRAIN_COLOR },
            { name: 'val_accuracy', points: curves.val_accuracy ?? [], color: VALIDATION_COLOR, dashed: true },
          ],
        }),
      );
    }
    return html`${renderFacts([
      ['Training run', idCode(training.run_id)],
      ['Experiment', training.experiment_name],
      ['Epochs run', formatCount(training.epochs_run)],
      ['Model', result.model ? html`<code>${breakable(result.model.name)}</code> version <strong>${result.model.version}</strong>` : undefined],
      ...Object.entries(training.metrics).map(([key, value]): [string, string] => [key, formatMetric(value)]),
    ])}${
      charts.length > 0
        ? html`<div class="chart-grid">${charts}</div>`
        : html`<p class="note">No per-epoch metrics to plot${data.training_curves_note ? html`: ${data.training_curves_note}` : ''}.</p>`
    }`;
  });
}

export function renderEvaluation(result: ReportedJobResult): SafeHtml {
  return section('evaluate', 'Evaluation', result, () => {
    const evaluation = result.evaluation;
    if (!evaluation) return html`<p class="note">The stage recorded no summary.</p>`;
    const champion = evaluation.champion;
    const candidateLabel = result.model ? `v${result.model.version} (candidate)` : 'candidate';
    const championLabel = champion ? `v${champion.version} (champion)` : '';
    const rows = Object.entries(evaluation.metrics).map(([key, value]) => {
      const championValue = champion?.metrics[key];
      return html`<tr><td>${key}</td><td class="num">${formatMetric(value)}</td>${
        champion ? html`<td class="num">${formatMetric(championValue)}</td><td class="num">${championValue === undefined ? '–' : formatDelta(value - championValue)}</td>` : ''
      }</tr>`;
    });
    return html`${renderFacts([
      ['Evaluation run', idCode(evaluation.run_id)],
      ['Model', result.model ? html`<code>${breakable(result.model.name)}</code> version <strong>${result.model.version}</strong>` : undefined],
      ['Evaluation rows', formatCount(evaluation.dataset_rows)],
      ['Dataset digest', html`<code title="${evaluation.dataset_digest}">${evaluation.dataset_digest.slice(0, 16)}…</code>`],
      ['Champion', champion ? `version ${champion.version}, scored on the same rows` : 'none yet: this version is compared with the thresholds only'],
    ])}<div class="chart-grid"><div>${renderMetricBars({
      metrics: evaluation.metrics,
      candidateLabel,
      ...(champion ? { champion: { label: championLabel, metrics: champion.metrics } } : {}),
    })}<table class="metrics"><thead><tr><th>Metric</th><th class="num">${candidateLabel}</th>${champion ? html`<th class="num">${championLabel}</th><th class="num">Δ</th>` : ''}</tr></thead><tbody>${rows}</tbody></table></div><div>${renderConfusionMatrix(evaluation.confusion_matrix)}${renderPrCurve(evaluation)}</div></div>`;
  });
}

/** A two-class model's precision-recall curve (recall on x, precision on y), with its PR AUC in the legend. */
export function renderPrCurve(evaluation: NonNullable<ReportedJobResult['evaluation']>): SafeHtml | '' {
  const curve = evaluation.pr_curve;
  if (!curve || curve.recall.length === 0) return '';
  const auc = evaluation.metrics.pr_auc;
  return renderLineChart({
    title: `Precision-recall curve (positive label: ${curve.positive_label})`,
    chart: 'pr-curve',
    xLabel: 'recall',
    yDomain: [0, 1],
    series: [
      {
        name: 'precision',
        color: '#7c3aed',
        points: curve.recall.map((recall, i) => ({ step: recall, value: curve.precision[i]! })),
        legend: auc === undefined ? 'precision' : `PR AUC ${formatMetric(auc)}`,
      },
    ],
  });
}

export function renderApproval(result: ReportedJobResult): SafeHtml {
  return section('approve', 'Approval verdict', result, () => {
    const verdict = result.approval;
    if (!verdict) return html`<p class="note">The stage recorded no verdict.</p>`;
    const checks = verdict.checks.map(
      (check) => html`<tr class="${check.passed ? 'check-passed' : 'check-failed'}"><td>${check.passed ? '✔' : '✘'}</td><td>${check.metric}</td><td class="num">${formatMetric(check.value)}</td><td class="num">${formatMetric(check.championValue)}</td><td>${check.reason}</td></tr>`,
    );
    return html`<div class="verdict verdict-${verdict.status}"><span class="verdict-word">${verdict.status === 'approved' ? 'Approved' : 'Rejected'}</span><span class="muted">mode <code>${verdict.mode}</code>${
      verdict.mode === 'dry_run' && verdict.wouldBe !== verdict.status ? html` · enabled mode would have <strong>${verdict.wouldBe}</strong> it` : ''
    }</span></div>${
      verdict.reasons.length > 0 ? html`<ul class="reasons">${verdict.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>` : ''
    }${
      checks.length > 0
        ? html`<table class="checks"><thead><tr><th></th><th>Metric</th><th class="num">Value</th><th class="num">Champion</th><th>Rule</th></tr></thead><tbody>${checks}</tbody></table>`
        : html`<p class="note">No thresholds were checked (approval mode ${verdict.mode}).</p>`
    }`;
  });
}

export function renderDeployment(result: ReportedJobResult): SafeHtml {
  return section('deploy', 'Deployment', result, () => {
    const deployment = result.deployment;
    if (!deployment) return html`<p class="note">The stage recorded no summary.</p>`;
    const version = result.model?.version;
    const previous = deployment.previous_champion;
    const movement =
      previous === undefined ? 'first champion of this model' : deployment.changed ? `moved from version ${previous} to version ${version ?? '?'}` : 'unchanged: this version already was the champion';
    return renderFacts([
      ['Model', result.model ? code(result.model.name) : undefined],
      ['Deployed version', version === undefined ? undefined : html`version <strong>${version}</strong> is <code>@${deployment.alias}</code>`],
      ['Previous champion', previous === undefined ? 'none' : html`version <strong>${previous}</strong> <span class="muted">(roll back by pointing @${deployment.alias} at it)</span>`],
      ['Alias', movement],
      ...extraFacts(deployment, ['alias', 'changed', 'previous_champion']),
    ]);
  });
}

export function renderScoring(result: ReportedJobResult): SafeHtml {
  return section('score', 'Batch scoring', result, () => {
    const predictions = result.predictions;
    if (!predictions) return html`<p class="note">The stage recorded no summary.</p>`;
    return renderFacts([
      ['Rows scored', formatCount(predictions.rows)],
      ['Table', code(predictions.table)],
      ['Location', code(predictions.path)],
      ['Scored with', result.model ? html`<code>${breakable(result.model.name)}</code> version <strong>${result.model.version}</strong>` : undefined],
      ...extraFacts(predictions, ['rows', 'table', 'path']),
    ]);
  });
}
