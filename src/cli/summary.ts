import type { JobResult } from '../pipeline/result.js';

/** The human summary printed on stdout at the end of a run: what was produced and where. */
export function formatJobSummary(result: JobResult): string {
  const lines: string[] = [];
  const seconds = (result.duration_ms / 1000).toFixed(1);
  lines.push(`${result.job} run ${result.run_id} ${result.status} on target ${result.target} (${result.workspace.kind} workspace ${result.workspace.location}) in ${seconds} s`);
  const i = result.ingestion;
  if (i) {
    lines.push(`  ingestion    ${i.files_ingested} new file(s), ${i.rows_written} rows → ${i.output_path}` + (i.rows_quarantined ? ` (${i.rows_quarantined} rows quarantined in ${i.quarantine_path})` : ''));
  }
  if (result.model) lines.push(`  model        ${result.model.uri}`);
  if (result.training) lines.push(`  training     run ${result.training.run_id}, ${result.training.epochs_run} epochs, ${metricLine(result.training.metrics)}`);
  if (result.evaluation) lines.push(`  evaluation   run ${result.evaluation.run_id}, ${result.evaluation.dataset_rows} rows: ${metricLine(result.evaluation.metrics)}`);
  if (result.approval) {
    lines.push(`  approval     ${result.approval.status} (${result.approval.mode})` + (result.approval.reasons.length ? `: ${result.approval.reasons.join('; ')}` : ''));
  }
  if (result.deployment) {
    const d = result.deployment;
    lines.push(`  deployment   ${d.alias} → version ${result.model?.version}` + (d.changed ? ` (previous: ${d.previous_champion ?? 'none'})` : ' (unchanged)'));
  }
  if (result.predictions) lines.push(`  predictions  ${result.predictions.rows} rows → ${result.predictions.path}`);
  lines.push(`  tracking     ${result.tracking.uri}` + (result.tracking.experiment_name ? ` (experiment ${result.tracking.experiment_name})` : ''));
  const reused = result.stages.filter((stage) => stage.reused_from !== undefined);
  if (reused.length > 0) lines.push(`  reused       ${reused.map((stage) => `${stage.name} (run ${stage.reused_from})`).join(', ')}: inputs unchanged (--force runs them again)`);
  if (result.report) lines.push(`  report       ${result.report.path}`);
  if (result.failure) {
    lines.push(`  ${result.status === 'cancelled' ? 'cancelled in' : 'failed at   '} ${result.failure.stage}: [${result.failure.code}] ${result.failure.message}`);
    lines.push(`  resume with  mlops run ${result.job} --resume ${result.run_id}`);
  }
  if (result.status === 'rejected') lines.push('  not deployed: the champion is unchanged (see the approval reasons above)');
  return lines.join('\n') + '\n';
}

function metricLine(metrics: Record<string, number>): string {
  const keys = ['accuracy', 'test_accuracy', 'f1_macro', 'test_f1_macro', 'log_loss'].filter((k) => metrics[k] !== undefined);
  return keys.map((k) => `${k} ${metrics[k]!.toFixed(4)}`).join(', ') || 'no metrics';
}
