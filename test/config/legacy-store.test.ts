import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keepLegacyFileStore, mlrunsHasData } from '../../src/config/legacy-store.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { defaultLocalTrackingUri } from '../../src/config/workspace.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

function configAt(root: string, trackingUri = defaultLocalTrackingUri(root)): ResolvedConfig {
  return { workspace: { type: 'local', root }, trackingUri } as ResolvedConfig;
}

describe('an existing mlruns file store keeps being used', () => {
  it('when it holds runs or models and no mlflow.db exists, with one notice naming the migrate command', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'mlruns', '0', '0123456789abcdef0123456789abcdef'), { recursive: true });
    const notices: string[] = [];
    const config = await keepLegacyFileStore(configAt(root), (message) => notices.push(message));
    expect(config.trackingUri).toBe(pathToFileURL(join(root, 'mlruns')).href);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`mlops tracking migrate ${join(root, 'mlruns')} sqlite:///${join(root, 'mlflow.db')}`);
  });

  it('not when mlruns has only the empty Default experiment, when mlflow.db exists, or when the target chose a URI', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'mlruns', '0', 'tags'), { recursive: true });
    await writeFile(join(root, 'mlruns', '0', 'meta.yaml'), 'name: Default\n');
    expect(await mlrunsHasData(join(root, 'mlruns'))).toBe(false);
    const notices: string[] = [];
    expect((await keepLegacyFileStore(configAt(root), (m) => notices.push(m))).trackingUri).toBe(defaultLocalTrackingUri(root));
    await mkdir(join(root, 'mlruns', 'models', 'iris'), { recursive: true });
    expect(await mlrunsHasData(join(root, 'mlruns'))).toBe(true);
    expect((await keepLegacyFileStore(configAt(root, 'http://127.0.0.1:5000'), (m) => notices.push(m))).trackingUri).toBe('http://127.0.0.1:5000');
    await writeFile(join(root, 'mlflow.db'), '');
    expect((await keepLegacyFileStore(configAt(root), (m) => notices.push(m))).trackingUri).toBe(defaultLocalTrackingUri(root));
    expect(notices).toEqual([]);
  });
});
