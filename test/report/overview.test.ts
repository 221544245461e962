import { describe, expect, it } from 'vitest';
import { renderBanner, renderHeader, renderKeyFigures, renderStages } from '../../src/report/overview.js';
import { binaryReusedRun, failedRun, occurrences, rejectedRun, succeededRun } from './sample-data.js';

describe('run overview', () => {
  it('header names job, run, target, workspace and tracking', () => {
    // Paths carry <wbr> after their separators; the text read is the same.
    const out = renderHeader(succeededRun()).value.replaceAll('<wbr>', '');
    for (const text of ['pipeline_job', 'run <code class="id" title="run0001" data-id="run0001">run0001</code>', 'Succeeded', '/tmp/ws/.mlops', 'file:///tmp/ws/.mlops/mlruns', '/Shared/iris', '4.32 s']) {
      expect(out).toContain(text);
    }
  });

  it('shows a 32-hex run id as its first 8 digits (full id in title and data-id), and whole once, in the facts', () => {
    const data = binaryReusedRun();
    const id = data.result.run_id;
    const out = renderHeader(data).value;
    expect(out).toContain(`run <code class="id" title="${id}" data-id="${id}">${id.slice(0, 8)}…</code>`);
    expect(out).toContain(`<dt>Run id</dt><dd><code class="id id-full" data-id="${id}">${id}</code></dd>`);
  });

  it('marks stages reused by the step cache with the run they came from', () => {
    const data = binaryReusedRun();
    const out = renderStages(data.result).value;
    const train = data.result.stages.find((s) => s.name === 'train')!.reused_from!;
    expect(out).toContain(`data-reused-from="${train}"`);
    expect(out).toContain(`reused from run <code class="id" title="${train}" data-id="${train}">${train.slice(0, 8)}…</code> (inputs unchanged)`);
    expect(occurrences(out, 'data-reused-from=')).toBe(2);
    expect(renderStages(succeededRun().result).value).not.toContain('reused from run');
  });

  it('banner: a deployed version, a rejection with its reasons, a failure with stage, code, message and how to resume', () => {
    expect(renderBanner(succeededRun().result).value.replaceAll('<wbr>', '')).toContain('<strong>main.iris.classifier</strong> version <strong>2</strong> is <code>@champion</code>');
    const rejected = renderBanner(rejectedRun().result).value;
    expect(rejected).toContain('banner-rejected');
    expect(rejected).toContain('Rejected: main.iris.classifier version 2 was not deployed');
    expect(rejected).toContain('<li>accuracy = 0.9667 must be at least 0.99</li>');
    const failed = renderBanner(failedRun().result).value;
    expect(failed).toContain('Failed at stage <strong>train</strong>');
    expect(failed).toContain('<code>NOT_FOUND</code>');
    expect(failed).toContain('No ingested rows under /Volumes/main/iris/vol/ingested');
    expect(failed).toContain('mlops run pipeline_job --resume <span class="nowrap">run0001</span>');
  });

  it('key figures: rows, accuracy against the champion, version, predictions', () => {
    const out = renderKeyFigures(succeededRun().result).value;
    expect(out).toContain('<div class="tile-value">150</div><div class="tile-sub">2 row(s) quarantined · 3 new file(s)</div>');
    expect(out).toContain('<div class="tile-value">0.9667</div><div class="tile-sub">+0.0334 vs champion v1</div>');
    expect(out).toContain('<div class="tile-value">v2</div><div class="tile-sub">now @champion</div>');
    expect(renderKeyFigures(failedRun().result).value.match(/class="tile"/g)).toHaveLength(2); // rows ingested, duration
  });

  it('stages table: one row per stage with status and a duration bar relative to the longest', () => {
    const out = renderStages(rejectedRun().result).value;
    const rows = [...out.matchAll(/<tr class="stage-row" data-stage="(\w+)" data-status="(\w+)">/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(rows).toEqual(['ingest:succeeded', 'train:succeeded', 'evaluate:succeeded', 'approve:rejected', 'deploy:skipped', 'score:skipped']);
    expect(out).toContain('class="duration-bar status-succeeded" style="width:100.0%"'); // train, the longest
    expect(out).toContain('style="width:2.2%"'); // ingest: 80 of 3600 ms
  });

  it('marks stages a resumed run reused', () => {
    const result = succeededRun().result;
    result.stages = result.stages.map((s) => (s.name === 'ingest' ? { ...s, resumed_from: 'run0001' } : s));
    expect(renderStages(result).value).toContain('reused from an earlier attempt');
  });
});
