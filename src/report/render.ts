import type { RunReportData } from './data.js';
import { html, raw } from './html.js';
import { renderLineage } from './lineage.js';
import { renderBanner, renderHeader, renderKeyFigures, renderStages } from './overview.js';
import { renderApproval, renderDeployment, renderEvaluation, renderIngestion, renderScoring, renderTraining } from './stage-sections.js';
import { REPORT_CSS } from './styles.js';

/**
 * The whole run report as one self-contained HTML document: inline CSS, charts as inline SVG, no
 * scripts, and a Content-Security-Policy that forbids loading anything, so the file opens the same
 * offline, from an MLflow artifact view or from a mail attachment.
 */
export function renderRunReport(data: RunReportData): string {
  const r = data.result;
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mlops-e2e">
<title>${r.job} ${r.run_id} — ${r.status}</title>
<style>${raw(REPORT_CSS)}</style>
</head>
<body data-run-id="${r.run_id}" data-status="${r.status}">
<main>
${renderHeader(data)}
${renderBanner(r)}
${renderKeyFigures(r)}
${renderStages(r)}
${renderLineage(data)}
${renderIngestion(r)}
${renderTraining(data)}
${renderEvaluation(r)}
${renderApproval(r)}
<div class="layout">${renderDeployment(r)}${renderScoring(r)}</div>
<footer>Generated ${data.generated_at} by mlops-e2e · run <span class="nowrap">${r.run_id}</span></footer>
</main>
</body>
</html>
`;
  return page.value;
}
