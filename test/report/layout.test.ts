import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runPipeline } from '../../src/run.js';
import { renderRunReport } from '../../src/report/render.js';
import { writeRunReport } from '../../src/report/write.js';
import { openWorkspace } from '../../src/workspace/open.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { binaryReusedRun, failedRun, rejectedRun } from './sample-data.js';

const tempDir = useTempDirs();
const CHROMIUM = '/usr/bin/chromium';
/** Screenshots a person (or CI) can look at; git-ignored, kept by CI as artifacts. */
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'report');

interface LayoutProblems {
  scrollWidth: number;
  viewport: number;
  /** Elements whose box reaches past the right edge of the page (inside a scrolling table excepted). */
  overflowing: string[];
  /** SVG texts drawn outside their chart's viewBox, i.e. clipped. */
  clippedSvgText: string[];
  /** Ids and paths wrapped in the middle of a word, e.g. "recision" on its own line. */
  midWordBreaks: string[];
  /** Run ids (elements with data-id, and .nowrap spans) drawn on more than one line. */
  brokenIds: string[];
}

// Runs in the page (as a string: the tests compile without the DOM typings).
const MEASURE = `(() => {
  const viewport = window.innerWidth;
  const overflowing = [];
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest('table') || el.closest('svg')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > viewport + 0.5) overflowing.push(el.tagName.toLowerCase() + '.' + el.className + ' right=' + Math.round(r.right));
  }
  const clippedSvgText = [];
  for (const svg of document.querySelectorAll('svg[viewBox]')) {
    const [, , w, h] = svg.getAttribute('viewBox').split(/\\s+/).map(Number);
    for (const t of svg.querySelectorAll('text')) {
      // The text's box in the chart's own (viewBox) coordinates, through any translate or rotate on the
      // way, and not scaled by the size the page draws the chart at (getCTM alone includes that scale:
      // a two-class confusion matrix drawn larger than its viewBox then looked clipped).
      const b = t.getBBox();
      const m = svg.getScreenCTM().inverse().multiply(t.getScreenCTM());
      const corners = [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]].map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
      const xs = corners.map((p) => p.x), ys = corners.map((p) => p.y);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      if (x0 < -0.5 || y0 < -0.5 || x1 > w + 0.5 || y1 > h + 0.5) clippedSvgText.push(t.textContent + ' at x=' + x0.toFixed(1) + '..' + x1.toFixed(1) + ', y=' + y0.toFixed(1) + '..' + y1.toFixed(1) + ' of ' + w + '×' + h);
    }
  }
  const midWordBreaks = [];
  const separators = /[\\s\\/._\\-:=@,&?]/;
  for (const code of document.querySelectorAll('code')) {
    if (code.getClientRects().length < 2) continue;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    let previous = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.data.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        if (previous && rect.top > previous.top + 2 && !separators.test(previous.char) && !separators.test(node.data[i])) {
          midWordBreaks.push(code.textContent + ' broken after "' + previous.char + '"');
        }
        previous = { top: rect.top, char: node.data[i] };
      }
    }
  }
  const brokenIds = [];
  for (const el of document.querySelectorAll('[data-id], .nowrap')) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    if (lines.size > 1) brokenIds.push(el.textContent + ' on ' + lines.size + ' lines');
  }
  return { scrollWidth: document.documentElement.scrollWidth, viewport, overflowing, clippedSvgText, midWordBreaks, brokenIds };
})()`;

describe('the run report at 1280 px and at 420 px, in Debian headless Chromium', () => {
  it('clips nothing, overflows nothing, scrolls no page sideways and breaks no id mid-word', async () => {
    await access(CHROMIUM).catch(() => {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does this when it is missing`);
    });
    const cwd = await tempDir();
    const userDataDir = join(cwd, 'chromium-profile');
    await mkdir(userDataDir);
    await mkdir(ARTIFACTS, { recursive: true });
    const launching = chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    try {
      // A real run, twice (the second forced past the step cache), so the report compares the
      // candidate with a champion (two bars per metric).
      await runPipeline({ load: { cwd, env: {} } });
      const result = await runPipeline({ load: { cwd, env: {} }, force: true });
      expect(result.status, JSON.stringify(result.failure)).toBe('succeeded');
      const workspace = await openWorkspace(await loadConfig({ cwd, env: {} }), { env: {} });
      const reports = {
        succeeded: (await writeRunReport(result, workspace, { dir: join(cwd, 'reports'), source: './data/landing' })).path,
        rejected: join(cwd, 'reports', 'rejected.html'),
        failed: join(cwd, 'reports', 'failed.html'),
        binary: join(cwd, 'reports', 'binary.html'),
      };
      await writeFile(reports.binary, renderRunReport(binaryReusedRun()));
      await writeFile(reports.rejected, renderRunReport(rejectedRun()));
      await writeFile(reports.failed, renderRunReport(failedRun()));

      const page = await (await launching).newPage();
      for (const width of [1280, 420]) {
        await page.setViewportSize({ width, height: 900 });
        for (const [name, path] of Object.entries(reports)) {
          await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
          await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
          const found = (await page.evaluate(MEASURE)) as LayoutProblems;
          const where = `${name} report at ${width} px`;
          expect(found.scrollWidth, where).toBeLessThanOrEqual(found.viewport);
          expect(found.overflowing, where).toEqual([]);
          expect(found.clippedSvgText, where).toEqual([]);
          expect(found.midWordBreaks, where).toEqual([]);
          expect(found.brokenIds, where).toEqual([]);
        }
      }
      // The succeeded report has the metric bars whose labels were once clipped.
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(pathToFileURL(reports.succeeded).href, { waitUntil: 'load' });
      expect(await page.locator('svg[data-chart="bars"] text.bar-label').allTextContents()).toContain('precision_weighted');
      // Every run id of the real report is whole on one line somewhere (the header's facts) and short elsewhere.
      expect(await page.locator('code.id-full').first().textContent()).toBe(result.run_id);
      // The two-class report draws its PR curve, within its chart, and shows the reused stages.
      await page.goto(pathToFileURL(reports.binary).href, { waitUntil: 'load' });
      const pr = page.locator('svg[data-chart="pr-curve"]');
      expect(await pr.count()).toBe(1);
      expect(Number(await pr.locator('polyline.series').getAttribute('data-points'))).toBeGreaterThan(10);
      expect(await pr.locator('.legend-item text').textContent()).toMatch(/^PR AUC 0\.\d{4}$/);
      expect(await page.locator('tr[data-reused-from] .reused').allTextContents()).toEqual(['reused from run b0123456… (inputs unchanged)', 'reused from run c0123456… (inputs unchanged)']);
    } finally {
      await (await launching.catch(() => undefined))?.close();
    }
  }, 240_000);
});
