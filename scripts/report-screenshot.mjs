// Regenerates docs/images/run-report.png: runs pipeline_job twice in a temporary folder (so the report
// compares a candidate with a champion) and screenshots the top of the HTML run report in Debian's
// headless Chromium. Usage: npm run build && node scripts/report-screenshot.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { runPipeline } from '../dist/index.js';

const out = join(import.meta.dirname, '..', 'docs', 'images', 'run-report.png');
const cwd = await mkdtemp(join(tmpdir(), 'mlops-report-'));
try {
  await runPipeline({ load: { cwd, env: {} } });
  const result = await runPipeline({ load: { cwd, env: {} } });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1500 } });
    await page.goto(pathToFileURL(result.report.path).href, { waitUntil: 'load' });
    await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height: 1500 } });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${out}`);
} finally {
  await rm(cwd, { recursive: true, force: true });
}
