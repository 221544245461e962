import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaTemplatePath } from '../../../src/tracking/schema-template.js';
import { openMlflowDatabase, writeSchemaTemplate, type Database } from '../../../src/tracking/sql-store/database.js';
import { MLFLOW_REVISION } from '../../../src/tracking/sql-store/mlflow-schema.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** Everything that makes up a database's schema and revision, in a stable order. */
function schemaOf(db: Database): unknown {
  return {
    objects: db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all(),
    revision: db.prepare('SELECT version_num FROM alembic_version').pluck().all(),
    rows: db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('alembic_version', 'sqlite_sequence')").pluck().all()
      .map((table) => [table, db.prepare(`SELECT COUNT(*) FROM "${table as string}"`).pluck().get()]),
    journal: db.pragma('journal_mode', { simple: true }),
  };
}

function schemaOfNew(path: string, schemaTemplate: string | false): unknown {
  const db = openMlflowDatabase(path, { schemaTemplate });
  try {
    return schemaOf(db);
  } finally {
    db.close();
  }
}

describe('the schema template new SQLite tracking databases start from', () => {
  it('gives a new database the same schema, revision, (empty) tables and WAL mode as the schema statements, and leaves no temporary file', async () => {
    const dir = await tempDir();
    const template = join(dir, 'template', `${MLFLOW_REVISION}.db`);
    writeSchemaTemplate(template);
    const fromStatements = schemaOfNew(join(dir, 'statements', 'mlflow.db'), false);
    const fromTemplate = schemaOfNew(join(dir, 'copied', 'mlflow.db'), template);
    expect(fromTemplate).toEqual(fromStatements);
    expect((fromTemplate as { objects: unknown[] }).objects.length).toBeGreaterThan(100);
    expect((fromTemplate as { revision: string[] }).revision).toEqual([MLFLOW_REVISION]);
    expect(await readdir(join(dir, 'copied'))).toEqual(['mlflow.db']);
    expect(await readdir(join(dir, 'template'))).toEqual([`${MLFLOW_REVISION}.db`]);
  });

  it('is what a new database is a copy of (not the statements run again)', async () => {
    const dir = await tempDir();
    const template = join(dir, `${MLFLOW_REVISION}.db`);
    writeSchemaTemplate(template);
    const marked = openMlflowDatabase(template, { schemaTemplate: false });
    marked.pragma('user_version = 7');
    marked.close();
    const db = openMlflowDatabase(join(dir, 'mlflow.db'), { schemaTemplate: template });
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    db.close();
    const plain = openMlflowDatabase(join(dir, 'plain.db'), { schemaTemplate: false });
    expect(plain.pragma('user_version', { simple: true })).toBe(0);
    plain.close();
  });

  it('is left by the build in dist/mlflow-schema/<revision>.db, equal to what the statements make', async () => {
    expect(schemaTemplatePath()).toMatch(new RegExp(`dist[\\\\/]mlflow-schema[\\\\/]${MLFLOW_REVISION}\\.db$`));
    expect(existsSync(schemaTemplatePath())).toBe(true);
    const dir = await tempDir();
    expect(schemaOfNew(join(dir, 'default.db'), schemaTemplatePath())).toEqual(schemaOfNew(join(dir, 'statements.db'), false));
  });

  it('never replaces an existing database: its runs stay, and an empty file gets the schema from the statements', async () => {
    const dir = await tempDir();
    const template = join(dir, `${MLFLOW_REVISION}.db`);
    writeSchemaTemplate(template);
    const path = join(dir, 'mlflow.db');
    const first = openMlflowDatabase(path, { schemaTemplate: template });
    first.prepare("INSERT INTO experiments (name, artifact_location, lifecycle_stage) VALUES ('kept', 'somewhere', 'active')").run();
    first.close();
    const again = openMlflowDatabase(path, { schemaTemplate: template });
    expect(again.prepare('SELECT name FROM experiments').pluck().all()).toEqual(['kept']);
    again.close();

    const empty = join(dir, 'empty.db');
    await writeFile(empty, '');
    expect(schemaOfNew(empty, template)).toEqual(schemaOfNew(join(dir, 'statements.db'), false));
  });

  it('falls back to the schema statements when the template is missing', async () => {
    const dir = await tempDir();
    expect(schemaOfNew(join(dir, 'a.db'), join(dir, 'no-such-template.db'))).toEqual(schemaOfNew(join(dir, 'b.db'), false));
    expect((await readdir(dir)).sort()).toEqual(['a.db', 'b.db']);
  });
});
