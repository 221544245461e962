import { describe, expect, it } from 'vitest';
import { approvedVersions } from '../../helpers/registered-versions.js';
import { cli, cliWorkspaceContext } from '../../helpers/cli-workspace.js';
import { MODEL_NAME } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('mlops serve', () => {
  it('serves a models:/ URI on 127.0.0.1 until interrupted, then stops cleanly (exit 0)', async () => {
    const cwd = await tempDir();
    const ctx = await cliWorkspaceContext(cwd);
    await approvedVersions(ctx, 1);
    await ctx.workspace.registry.setAlias(MODEL_NAME, 'champion', '1');

    const controller = new AbortController();
    let announced: (url: string) => void;
    const url = new Promise<string>((resolve) => (announced = resolve));
    const running = cli(['serve', `models:/${MODEL_NAME}@champion`, '--port', '0'], cwd, controller.signal, (text) => {
      const match = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match) announced(match[1]!);
    });
    const base = await url;
    const response = await fetch(`${base}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataframe_split: { columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], data: [[6.3, 3.3, 6.0, 2.5]] } }),
    });
    expect(await response.json()).toMatchObject({ predictions: [{ prediction: 'virginica' }] });
    expect(await (await fetch(`${base}/version`)).text()).toMatch(/^\d+\.\d+\.\d+/);

    controller.abort();
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`serving models:/${MODEL_NAME}@champion (version 1) on ${base}`);
    expect(result.stderr).toContain('scoring server stopped');
    await expect(fetch(`${base}/ping`)).rejects.toThrow();
  });

  it('rejects bad options with exit 2 and an unknown model with exit 1', async () => {
    const cwd = await tempDir();
    expect((await cli(['serve', 'models:/m@champion', '--port', 'http'], cwd)).stderr).toContain('--port must be an integer from 0 to 65535, got "http"');
    expect((await cli(['serve'], cwd)).code).toBe(2);
    const unknown = await cli(['serve', 'models:/nobody.has.this@champion', '--port', '0'], cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody.has.this');
  });
});
