import { describe, expect, it } from 'vitest';
import { renderRunReport } from '../../src/report/render.js';
import { failedRun, occurrences, rejectedRun, succeededRun } from './sample-data.js';

const SECTIONS = ['stages', 'lineage', 'stage-ingest', 'stage-train', 'stage-evaluate', 'stage-approve', 'stage-deploy', 'stage-score'];

describe('renderRunReport', () => {
  it('is one self-contained document: inline style, no scripts, nothing fetched', () => {
    const page = renderRunReport(succeededRun());
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(page).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    // The only absolute URLs are SVG namespace declarations and the run's own file: tracking URI.
    const urls = [...page.matchAll(/(?:https?|ftp):\/\/[^\s"'<]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(page).toContain('<title>pipeline_job run0001 — succeeded</title>');
  });

  it('has every section and all three charts for a succeeded run', () => {
    const page = renderRunReport(succeededRun());
    for (const id of SECTIONS) expect(occurrences(page, `id="${id}"`)).toBe(1);
    expect(occurrences(page, 'data-chart="line"')).toBe(2);
    expect(occurrences(page, 'data-chart="bars"')).toBe(1);
    expect(occurrences(page, 'data-chart="confusion-matrix"')).toBe(1);
    expect(occurrences(page, /class="cm-cell/)).toBe(9);
    expect(page).not.toContain('Not run');
  });

  it('escapes model names, paths and error messages everywhere', () => {
    const data = failedRun();
    const evil = '<img src=x onerror=alert(1)>';
    data.result.ingestion!.output_path = `/Volumes/${evil}`;
    data.result.ingestion!.files = [`${evil}.csv`];
    data.result.failure!.message = `boom ${evil}`;
    data.result.stages[1]!.error = `boom ${evil}`;
    data.result.target = evil;
    data.source = evil;
    const page = renderRunReport(data);
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');

    const succeeded = succeededRun();
    succeeded.result.model = { name: `cat.schema.${evil}`, version: '"2"', uri: 'models:/x/2' };
    succeeded.result.evaluation!.confusion_matrix.labels = [evil, 'b', 'c'];
    const page2 = renderRunReport(succeeded);
    expect(page2).not.toContain('<img');
    expect(page2).not.toMatch(/>v?"2"/);
    expect(page2).toContain('version <strong>&quot;2&quot;</strong>');
  });

  it('a rejected run puts the verdict first and says deployment and scoring did not run', () => {
    const page = renderRunReport(rejectedRun());
    expect(page.indexOf('banner-rejected')).toBeLessThan(page.indexOf('id="stages"'));
    expect(page).toContain('<body data-run-id="run0001" data-status="rejected">');
    expect(occurrences(page, 'Not run: the run stopped earlier, at <strong>approve</strong> (rejected).')).toBe(2);
    expect(occurrences(page, /class="cm-cell/)).toBe(9); // evaluation still ran
  });

  it('a failed run names the failing stage and error, and every later section says it did not run', () => {
    const page = renderRunReport(failedRun());
    expect(page).toContain('Failed at stage <strong>train</strong>');
    expect(occurrences(page, 'Not run: the run stopped earlier, at <strong>train</strong> (failed).')).toBe(4);
    expect(page).not.toContain('data-chart=');
    expect(page).toContain('<dt>Rows written</dt><dd>150</dd>'); // ingestion did run
  });
});
