import type { RunReportData, ReportedJobResult } from './data.js';
import { code, fullIdCode, idCode, renderFacts } from './facts.js';
import { formatCount, formatDelta, formatDuration, formatMetric } from './format.js';
import { breakable, html, type SafeHtml } from './html.js';
import { maxOf } from '../arrays.js';

const STATUS_WORDS: Record<string, string> = { succeeded: 'Succeeded', rejected: 'Rejected', failed: 'Failed', skipped: 'Skipped' };

export function statusPill(status: string): SafeHtml {
  return html`<span class="pill status-${status}">${STATUS_WORDS[status] ?? status}</span>`;
}

export function renderHeader(data: RunReportData): SafeHtml {
  const r = data.result;
  return html`<header class="page-header"><div class="title-row"><h1>${r.job} <span class="run-id">run ${idCode(r.run_id)}</span></h1>${statusPill(r.status)}</div>${renderFacts([
    ['Run id', fullIdCode(r.run_id)],
    ['Target', r.target],
    ['Workspace', html`${r.workspace.kind} · ${code(r.workspace.location)}`],
    ['Started', r.started_at],
    ['Duration', formatDuration(r.duration_ms)],
    ['Tracking', code(r.tracking.uri)],
    ['Experiment', r.tracking.experiment_name === undefined ? undefined : html`${r.tracking.experiment_name}${r.tracking.experiment_id ? html` <span class="muted">(${r.tracking.experiment_id})</span>` : ''}`],
  ])}</header>`;
}

/** The run's outcome first: a rejected run shows its verdict, a failed run its failing stage and error. */
export function renderBanner(result: ReportedJobResult): SafeHtml {
  const model = result.model ? `${result.model.name} version ${result.model.version}` : 'the model';
  if (result.status === 'failed') {
    const failure = result.failure;
    const stage = failure?.stage ?? result.stages.find((s) => s.status === 'failed')?.name ?? 'a stage';
    const message = failure?.message ?? result.stages.find((s) => s.status === 'failed')?.error ?? 'no error message was recorded';
    return html`<section class="banner banner-failed" id="outcome" role="alert"><h2>Failed at stage <strong>${stage}</strong></h2>${failure ? html`<p>Error code <code>${failure.code}</code></p>` : ''}<pre class="error">${message}</pre><p>The stages after it did not run. Fix the cause, then resume from this stage: <code>mlops run ${result.job} --resume <span class="nowrap">${result.run_id}</span></code></p></section>`;
  }
  if (result.status === 'cancelled') {
    const stage = result.stages.find((s) => s.status === 'cancelled')?.name ?? 'a stage';
    return html`<section class="banner banner-failed" id="outcome" role="alert"><h2>Cancelled during stage <strong>${stage}</strong></h2><p>Resume from this stage: <code>mlops run ${result.job} --resume ${result.run_id}</code></p></section>`;
  }
  if (result.status === 'rejected') {
    const reasons = result.approval?.reasons ?? [];
    return html`<section class="banner banner-rejected" id="outcome" role="alert"><h2>Rejected: ${model} was not deployed</h2>${
      reasons.length > 0 ? html`<ul class="reasons">${reasons.map((reason) => html`<li>${reason}</li>`)}</ul>` : html`<p>The approval gate rejected it.</p>`
    }</section>`;
  }
  const deployed = result.deployment && result.model ? html` · <strong>${breakable(result.model.name)}</strong> version <strong>${result.model.version}</strong> is <code>@${result.deployment.alias}</code>` : '';
  return html`<section class="banner banner-succeeded" id="outcome"><h2>Succeeded${deployed}</h2></section>`;
}

export function renderKeyFigures(result: ReportedJobResult): SafeHtml {
  const tiles: SafeHtml[] = [];
  const tile = (label: string, value: string, sub?: string): SafeHtml =>
    html`<div class="tile"><div class="tile-label">${label}</div><div class="tile-value">${value}</div>${sub ? html`<div class="tile-sub">${sub}</div>` : ''}</div>`;
  if (result.ingestion) {
    tiles.push(tile('Rows ingested', formatCount(result.ingestion.rows_written), `${formatCount(result.ingestion.rows_quarantined)} row(s) quarantined · ${formatCount(result.ingestion.files_ingested)} new file(s)`));
  }
  const accuracy = result.evaluation?.metrics.accuracy;
  if (accuracy !== undefined) {
    const championAccuracy = result.evaluation?.champion?.metrics.accuracy;
    tiles.push(tile('Accuracy', formatMetric(accuracy), championAccuracy === undefined ? 'no champion to compare' : `${formatDelta(accuracy - championAccuracy)} vs champion v${result.evaluation!.champion!.version}`));
  }
  if (result.model) {
    const verdict = result.deployment ? `now @${result.deployment.alias}` : result.approval ? result.approval.status : undefined;
    tiles.push(tile('Model version', `v${result.model.version}`, verdict));
  }
  if (result.predictions) tiles.push(tile('Predictions', formatCount(result.predictions.rows), 'rows scored'));
  tiles.push(tile('Duration', formatDuration(result.duration_ms), `${result.stages.length} stage(s)`));
  return html`<section class="tiles">${tiles}</section>`;
}

export function renderStages(result: ReportedJobResult): SafeHtml {
  const longest = maxOf(result.stages.map((s) => s.duration_ms), 1);
  const rows = result.stages.map((stage) => {
    const width = Math.max(stage.duration_ms > 0 ? 0.5 : 0, (stage.duration_ms / longest) * 100);
    const resumedFrom = (stage as { resumed_from?: unknown }).resumed_from;
    const reusedFrom = (stage as { reused_from?: unknown }).reused_from;
    return html`<tr class="stage-row" data-stage="${stage.name}" data-status="${stage.status}"${typeof reusedFrom === 'string' ? html` data-reused-from="${reusedFrom}"` : ''}><td class="stage-name"><a href="#stage-${stage.name}">${stage.name}</a></td><td>${statusPill(stage.status)}${
      typeof resumedFrom === 'string' ? html` <span class="muted small">reused from an earlier attempt</span>` : ''
    }${typeof reusedFrom === 'string' ? html` <span class="muted small reused">reused from run ${idCode(reusedFrom)} (inputs unchanged)</span>` : ''}</td><td class="num">${stage.status === 'skipped' ? '–' : formatDuration(stage.duration_ms)}</td><td class="duration-cell"><div class="duration-bar status-${stage.status}" style="width:${width.toFixed(1)}%"></div></td></tr>`;
  });
  return html`<section class="card" id="stages"><h2>Stages</h2><table class="stages"><thead><tr><th>Stage</th><th>Status</th><th class="num">Duration</th><th class="duration-head">Share of the longest stage</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
