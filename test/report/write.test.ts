import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { JobResult } from '../../src/pipeline/result.js';
import { runPipeline } from '../../src/run.js';
import { renderRunReport } from '../../src/report/render.js';
import { writeRunReport } from '../../src/report/write.js';
import { openTracking } from '../../src/tracking/open.js';
import { LocalTableStore } from '../../src/workspace/local/tables.js';
import { LocalVolumeStore } from '../../src/workspace/local/volumes.js';
import { openWorkspace } from '../../src/workspace/open.js';
import type { Workspace } from '../../src/workspace/types.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { failedRun, succeededRun } from './sample-data.js';

const tempDir = useTempDirs();
const CHROMIUM = '/usr/bin/chromium';

async function emptyWorkspace(root: string): Promise<Workspace> {
  const { tracking, registry } = openTracking(join(root, 'mlruns'), { baseDir: root });
  return { kind: 'local', location: root, volumes: new LocalVolumeStore({ root }), tables: new LocalTableStore({ root }), tracking, registry };
}

describe('writeRunReport', () => {
  it('writes <dir>/<run_id>.html, creating the folder, and replaces it whole on a rewrite', async () => {
    const root = await tempDir();
    const workspace = await emptyWorkspace(root);
    const dir = join(root, 'reports', 'nested');
    const result: JobResult = failedRun().result;
    const first = await writeRunReport(result, workspace, { dir, now: () => Date.UTC(2026, 0, 1) });
    expect(first.path).toBe(join(dir, 'run0001.html'));
    const html = await readFile(first.path, 'utf8');
    expect(html).toBe(renderRunReport({ result, training_curves: {}, generated_at: '2026-01-01T00:00:00.000Z' }));

    const second = await writeRunReport(succeededRun().result, workspace, { dir, now: () => Date.UTC(2026, 0, 2) });
    expect(second.path).toBe(first.path);
    const rewritten = await readFile(second.path, 'utf8');
    expect(rewritten).toContain('<body data-run-id="run0001" data-status="succeeded">');
    expect(rewritten).toContain('2026-01-02T00:00:00.000Z');
    expect(await readdir(dir)).toEqual(['run0001.html']); // no temporary file left behind
  });

  it('refuses a run id that is not a plain file name', async () => {
    const root = await tempDir();
    const workspace = await emptyWorkspace(root);
    const result: JobResult = { ...succeededRun().result, run_id: '../escape' };
    await expect(writeRunReport(result, workspace, { dir: join(root, 'reports') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('../escape') });
    await expect(access(join(root, 'reports'))).rejects.toThrow();
  });
});

describe('the run report in a real headless Chromium', () => {
  it('loads a real pipeline_job report offline with its charts, no console errors and no requests, and screenshots it', async () => {
    await access(CHROMIUM).catch(() => {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does this when it is missing`);
    });
    const cwd = await tempDir();
    const userDataDir = join(cwd, 'chromium-profile');
    await mkdir(userDataDir);
    // Chromium starts while the pipeline trains: the two overlap instead of adding up.
    const launching = chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    try {
      const result = await runPipeline({ load: { cwd, env: {} } });
      expect(result.status, JSON.stringify(result.failure)).toBe('succeeded');
      const workspace = await openWorkspace(await loadConfig({ cwd, env: {} }), { env: {} });
      const { path } = await writeRunReport(result, workspace, { dir: join(cwd, 'reports'), source: './data/landing' });
      const failedPath = join(cwd, 'reports', 'failed.html');
      await writeFile(failedPath, renderRunReport(failedRun()));

      const context = await launching;
      const page = await context.newPage();
      const problems = watch(page);
      await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });

      // Styles applied (the CSP allows inline styles only) and the outcome is shown.
      // (Evaluated from a string: the tests compile without the DOM typings.)
      expect(await page.evaluate("getComputedStyle(document.getElementById('outcome')).backgroundColor")).toBe('rgb(236, 253, 243)');
      expect(await page.locator('tr.stage-row').count()).toBe(6);

      // Training curves: polylines with one point per epoch, drawn at a visible size.
      const curves = await page.locator('svg[data-chart="line"] polyline.series').evaluateAll((lines) =>
        lines.map((l) => ({ series: l.getAttribute('data-series'), points: (l as unknown as { points: { numberOfItems: number } }).points.numberOfItems })),
      );
      expect(curves.map((c) => c.series)).toEqual(expect.arrayContaining(['loss', 'accuracy']));
      for (const curve of curves) expect(curve.points).toBe(result.training!.epochs_run);
      const box = await page.locator('svg[data-chart="line"]').first().boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(100);

      // Evaluation: the metric bars and a 3×3 confusion matrix whose counts add up to the evaluation rows.
      expect(await page.locator('svg[data-chart="bars"] rect.bar.candidate').count()).toBeGreaterThanOrEqual(4);
      const counts = await page.locator('svg[data-chart="confusion-matrix"] g.cm-cell').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-count'))));
      expect(counts).toHaveLength(9);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(result.evaluation!.dataset_rows);
      expect(await page.locator('[data-lineage="predictions"] .lineage-value').innerText()).toContain('iris_predictions');

      const screenshot = join(cwd, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      const png = await readFile(screenshot);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(png.readUInt32BE(16)).toBe(1280); // IHDR width
      expect(png.readUInt32BE(20)).toBeGreaterThan(1500); // the full page, not just the viewport
      expect((await stat(screenshot)).size).toBeGreaterThan(50_000);

      await page.goto(pathToFileURL(failedPath).href, { waitUntil: 'load' });
      expect(await page.locator('#outcome').innerText()).toContain('Failed at stage train');
      expect(await page.locator('svg').count()).toBe(0);

      expect(problems.consoleErrors).toEqual([]);
      expect(problems.failedRequests).toEqual([]);
      // Nothing but the two report files themselves was requested.
      expect(problems.requests.every((url) => url.startsWith('file://') && url.endsWith('.html'))).toBe(true);
      expect(problems.requests).toHaveLength(2);
    } finally {
      await (await launching.catch(() => undefined))?.close();
    }
  });
});

function watch(page: Page): { consoleErrors: string[]; failedRequests: string[]; requests: string[] } {
  const seen = { consoleErrors: [] as string[], failedRequests: [] as string[], requests: [] as string[] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') seen.consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => seen.consoleErrors.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => seen.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`));
  page.on('request', (request) => seen.requests.push(request.url()));
  return seen;
}
