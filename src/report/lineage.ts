import type { RunReportData } from './data.js';
import { formatCount } from './format.js';
import { breakable, html, type HtmlValue, type SafeHtml } from './html.js';
import { shortId } from './facts.js';

export interface LineageNode {
  kind: 'source' | 'volume' | 'model' | 'predictions';
  title: string;
  /** The main identifier (a path, a model name and version, a table); undefined when this run did not produce it. */
  value: string | undefined;
  details: string[];
}

/**
 * Where this run's data went: source files → the volume folder they were ingested into → the
 * model version trained on it → the predictions it wrote. A step this run did not touch is kept,
 * marked as such, so the chain always reads left to right.
 */
export function lineageNodes(data: RunReportData): LineageNode[] {
  const r = data.result;
  const ingestion = r.ingestion;
  const files = ingestion?.files ?? [];
  const sourceDetails = ingestion
    ? files.length > 0
      ? [`${formatCount(files.length)} file(s): ${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}`]
      : [`no new files (${formatCount(ingestion.files_skipped)} unchanged since an earlier run)`]
    : [];
  const modelDetails: string[] = [];
  if (r.training) modelDetails.push(`training run ${shortId(r.training.run_id)}`);
  if (r.deployment) modelDetails.push(`@${r.deployment.alias}${r.deployment.previous_champion ? `, previously version ${r.deployment.previous_champion}` : ''}`);
  else if (r.approval) modelDetails.push(`approval: ${r.approval.status}`);
  const predictions = r.predictions;
  return [
    {
      kind: 'source',
      title: 'Source files',
      value: ingestion ? (data.source ?? 'landing zone') : data.source,
      details: sourceDetails,
    },
    {
      kind: 'volume',
      title: 'Volume',
      value: ingestion?.output_path,
      details: ingestion ? [`${formatCount(ingestion.rows_written)} row(s) written, ${formatCount(ingestion.rows_quarantined)} quarantined`] : [],
    },
    {
      kind: 'model',
      title: 'Model version',
      value: r.model ? `${r.model.name} v${r.model.version}` : undefined,
      details: modelDetails,
    },
    {
      kind: 'predictions',
      title: 'Predictions',
      value: predictions ? (predictions.table ?? predictions.path) : undefined,
      details: predictions ? [`${formatCount(predictions.rows)} row(s)`, ...(predictions.table ? [predictions.path] : [])] : [],
    },
  ];
}

export function renderLineage(data: RunReportData): SafeHtml {
  const nodes = lineageNodes(data).map((node, i): HtmlValue => {
    const box = html`<div class="lineage-node${node.value === undefined ? ' lineage-absent' : ''}" data-lineage="${node.kind}"><div class="lineage-title">${node.title}</div>${
      node.value === undefined ? html`<div class="lineage-value muted">not produced by this run</div>` : html`<div class="lineage-value"><code>${breakable(node.value)}</code></div>`
    }${node.details.map((d) => html`<div class="lineage-detail">${breakable(d)}</div>`)}</div>`;
    return i === 0 ? box : html`<div class="lineage-arrow" aria-hidden="true">→</div>${box}`;
  });
  return html`<section class="card" id="lineage"><h2>Lineage</h2><div class="lineage">${nodes}</div></section>`;
}

/** Long paths and three-level names wrap after a '/' or '.' rather than mid-word. */

