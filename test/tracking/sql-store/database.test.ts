import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/tracking/sql-store/connection.js';
import { BUSY_TIMEOUT_MS, openMlflowDatabase } from '../../../src/tracking/sql-store/database.js';
import { MLFLOW_RELEASE, MLFLOW_REVISION, MLFLOW_REVISION_HISTORY } from '../../../src/tracking/sql-store/mlflow-schema.js';
import { SqlTrackingStore } from '../../../src/tracking/sql-store/tracking-sql-store.js';
import { rejectedMlopsError } from '../../helpers/errors.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

function setRevision(path: string, revision: string): void {
  const db = openMlflowDatabase(path);
  db.prepare('UPDATE alembic_version SET version_num = ?').run(revision);
  db.close();
}

describe('openMlflowDatabase', () => {
  it(`creates MLflow ${MLFLOW_RELEASE}'s schema in a new file, in WAL mode with a busy timeout, and the Default experiment on first use`, async () => {
    const path = join(await tempDir(), 'sub', 'mlflow.db');
    const connection = new SqliteConnection(path);
    const tracking = new SqlTrackingStore({ connection, uri: `sqlite:///${path}`, artifactsDestination: join(path, '..', 'mlartifacts') });
    expect(connection.isOpen).toBe(false);
    const experiment = await tracking.getExperiment('0');
    expect(experiment).toMatchObject({ name: 'Default', artifactLocation: 'mlflow-artifacts:/0', lifecycleStage: 'active' });
    const db = connection.db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
    expect(db.prepare('SELECT version_num FROM alembic_version').pluck().all()).toEqual([MLFLOW_REVISION]);
    connection.close();
    // Opening again keeps everything and adds nothing.
    const again = openMlflowDatabase(path);
    expect(again.prepare('SELECT COUNT(*) FROM experiments').pluck().get()).toBe(1);
    again.close();
  });

  it('refuses a database at an older revision, naming both revisions and mlflow db upgrade', async () => {
    const path = join(await tempDir(), 'mlflow.db');
    const older = MLFLOW_REVISION_HISTORY[3]!;
    setRevision(path, older);
    const error = await rejectedMlopsError(Promise.resolve().then(() => openMlflowDatabase(path)));
    expect(error.code).toBe('SCHEMA_MISMATCH');
    expect(error.message).toContain(older);
    expect(error.message).toContain(MLFLOW_REVISION);
    expect(error.message).toContain(`mlflow db upgrade sqlite:///${path}`);
  });

  it('keeps working on a newer revision that still has every column it uses, and refuses one that dropped a column', async () => {
    const path = join(await tempDir(), 'mlflow.db');
    setRevision(path, 'abcdef012345');
    const db = openMlflowDatabase(path);
    expect(db.prepare('SELECT version_num FROM alembic_version').pluck().get()).toBe('abcdef012345');
    db.exec('ALTER TABLE runs DROP COLUMN source_version');
    db.close();
    const error = await rejectedMlopsError(Promise.resolve().then(() => openMlflowDatabase(path)));
    expect(error.code).toBe('SCHEMA_MISMATCH');
    expect(error.message).toContain('abcdef012345');
    expect(error.message).toContain(MLFLOW_REVISION);
    expect(error.message).toContain('runs.source_version');
    expect(error.message).toContain(`mlflow server --backend-store-uri sqlite:///${path}`);
  });

  it('refuses an SQLite file that is not an MLflow database, and leaves it alone', async () => {
    const path = join(await tempDir(), 'other.db');
    const Driver = (await import('better-sqlite3')).default;
    const other = new Driver(path);
    other.exec('CREATE TABLE notes (text TEXT)');
    other.close();
    const error = await rejectedMlopsError(Promise.resolve().then(() => openMlflowDatabase(path)));
    expect(error.code).toBe('CORRUPT');
    expect(error.message).toContain('not an MLflow tracking database');
    const check = new Driver(path);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['notes']);
    check.close();
  });

  it('names the file when it cannot be opened', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'not-a-db'), 'this is not sqlite'.repeat(100));
    const error = await rejectedMlopsError(Promise.resolve().then(() => openMlflowDatabase(join(dir, 'not-a-db'))));
    expect(error.message).toContain(join(dir, 'not-a-db'));
  });
});
