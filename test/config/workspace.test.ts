import { describe, expect, it } from 'vitest';
import { ProblemList } from '../../src/config/problems.js';
import { readWorkspace, resolveTrackingUri, resolveWorkspace } from '../../src/config/workspace.js';
import type { KeyPath } from '../../src/config/problems.js';

const path = ['targets', 'dev', 'workspace'];
const identity = (text: string, _path: KeyPath) => text;

describe('readWorkspace', () => {
  it('reads a local and a Databricks workspace', () => {
    const problems = new ProblemList();
    expect(readWorkspace({ root: '.mlops' }, path, problems)).toEqual({ root: '.mlops' });
    expect(
      readWorkspace({ host: 'https://adb-1.2.azuredatabricks.net', profile: 'p', warehouse_id: 'w' }, path, problems),
    ).toEqual({ host: 'https://adb-1.2.azuredatabricks.net', profile: 'p', warehouseId: 'w' });
    expect(readWorkspace({ profile: 'p' }, path, problems)).toEqual({ profile: 'p' });
    expect(problems.problems).toEqual([]);
  });

  it('rejects a workspace with neither root nor host', () => {
    const problems = new ProblemList();
    readWorkspace({}, path, problems);
    readWorkspace({ warehouse_id: 'w' }, ['targets', 'prod', 'workspace'], problems);
    expect(problems.problems).toEqual([
      { path, expected: 'root (a local folder) or host (a Databricks workspace URL)', found: 'neither' },
      {
        path: ['targets', 'prod', 'workspace'],
        expected: 'root (a local folder) or host (a Databricks workspace URL)',
        found: 'only warehouse_id',
      },
    ]);
  });

  it('rejects root mixed with Databricks fields, unknown keys and non-strings', () => {
    const problems = new ProblemList();
    readWorkspace({ root: '.m', host: 'https://x', token: 'secret', profile: 3 }, path, problems);
    const keys = problems.problems.map((p) => p.path.join('.'));
    expect(keys).toContain('targets.dev.workspace.token');
    expect(keys).toContain('targets.dev.workspace.profile');
    expect(problems.problems.find((p) => p.found.startsWith('root together'))?.found).toBe(
      'root together with host, profile',
    );
    // The unknown key is named, its value is not repeated (it may be a secret).
    expect(JSON.stringify(problems.problems)).not.toContain('secret');
  });
});

describe('resolveWorkspace', () => {
  it('makes a relative root absolute against the base folder', () => {
    const problems = new ProblemList();
    expect(resolveWorkspace({ root: '.mlops' }, path, '/home/u/project', identity, problems)).toEqual({
      type: 'local',
      root: '/home/u/project/.mlops',
    });
    expect(resolveWorkspace({ root: '/data/ws' }, path, '/home/u/project', identity, problems)).toEqual({
      type: 'local',
      root: '/data/ws',
    });
  });

  it('expands references in every field and normalizes the host', () => {
    const problems = new ProblemList();
    const expand = (text: string) => text.replace('${var.env}', 'prod');
    expect(
      resolveWorkspace(
        { host: 'https://adb-${var.env}.azuredatabricks.net/', profile: 'p-${var.env}', warehouseId: 'w-${var.env}' },
        path,
        '/x',
        expand,
        problems,
      ),
    ).toEqual({ type: 'databricks', host: 'https://adb-prod.azuredatabricks.net', profile: 'p-prod', warehouseId: 'w-prod' });
    expect(problems.problems).toEqual([]);
  });

  it('rejects a host that is not an http(s) URL', () => {
    const problems = new ProblemList();
    resolveWorkspace({ host: 'adb-1.azuredatabricks.net' }, path, '/x', identity, problems);
    expect(problems.problems).toHaveLength(1);
    expect(problems.problems[0]?.path).toEqual([...path, 'host']);
    expect(problems.problems[0]?.found).toBe('string "adb-1.azuredatabricks.net"');
  });
});

describe('resolveTrackingUri', () => {
  const local = { type: 'local' as const, root: '/ws root' };
  const base = { fromEnv: undefined, fromTarget: undefined, baseDir: '/cfg', cwd: '/cwd' };

  it('defaults to the local workspace SQLite store, an absolute sqlite:/// URI', () => {
    expect(resolveTrackingUri({ ...base, workspace: local })).toBe('sqlite:////ws root/mlflow.db');
  });

  it('defaults to databricks, with the profile when there is one', () => {
    expect(resolveTrackingUri({ ...base, workspace: { type: 'databricks', host: 'https://h' } })).toBe('databricks');
    expect(resolveTrackingUri({ ...base, workspace: { type: 'databricks', profile: 'hp' } })).toBe('databricks://hp');
  });

  it('prefers MLFLOW_TRACKING_URI over the target, and the target over the default', () => {
    expect(resolveTrackingUri({ ...base, workspace: local, fromTarget: 'http://t:5000' })).toBe('http://t:5000');
    expect(resolveTrackingUri({ ...base, workspace: local, fromTarget: 'http://t:5000', fromEnv: 'http://e:5000' })).toBe(
      'http://e:5000',
    );
    expect(resolveTrackingUri({ ...base, workspace: local, fromEnv: '' })).toBe('sqlite:////ws root/mlflow.db');
  });

  it('turns plain paths into absolute file: URIs, the target against the config, the env against cwd', () => {
    expect(resolveTrackingUri({ ...base, workspace: local, fromTarget: './runs' })).toBe('file:///cfg/runs');
    expect(resolveTrackingUri({ ...base, workspace: local, fromEnv: 'runs' })).toBe('file:///cwd/runs');
    expect(resolveTrackingUri({ ...base, workspace: local, fromEnv: '/abs/runs' })).toBe('file:///abs/runs');
    expect(resolveTrackingUri({ ...base, workspace: local, fromTarget: 'databricks' })).toBe('databricks');
  });
});
