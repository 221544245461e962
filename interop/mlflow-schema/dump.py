# Has the installed MLflow create its tracking + registry schema in a new SQLite file (what
# `mlflow server --backend-store-uri sqlite:///<file>` does on first start, without the Default
# experiment), then prints as JSON: the MLflow release, the alembic head and its ancestry, every
# CREATE statement (tables, indexes, triggers) and the rows the migrations seed.
#   python dump.py <new-file.db>          create, then dump
#   python dump.py --existing <file.db>   dump a database that exists (ours, to compare)
import json
import sqlite3
import sys

existing = sys.argv[1] == "--existing"
path = sys.argv[-1]
out = {}
if not existing:
    import mlflow
    import sqlalchemy
    from alembic.script import ScriptDirectory
    from mlflow.store.db.utils import _get_alembic_config, _initialize_tables

    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    _initialize_tables(engine)
    engine.dispose()
    script = ScriptDirectory.from_config(_get_alembic_config(f"sqlite:///{path}"))
    out["release"] = mlflow.__version__
    out["history"] = [rev.revision for rev in script.walk_revisions()]

con = sqlite3.connect(path)
objects = con.execute(
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY "
    "CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, name"
).fetchall()
out["revision"] = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
out["objects"] = [{"type": t, "name": n, "table": tb, "sql": s} for t, n, tb, s in objects]
columns = {}
seeds = {}
for t, n, tb, s in objects:
    if t != "table":
        continue
    columns[n] = [
        {"name": c[1], "type": c[2], "notnull": c[3], "default": c[4], "pk": c[5]}
        for c in con.execute(f'PRAGMA table_info("{n}")')
    ]
    if n not in ("alembic_version",) and not existing:
        rows = con.execute(f'SELECT * FROM "{n}"').fetchall()
        if rows:
            names = [c["name"] for c in columns[n]]
            seeds[n] = [dict(zip(names, row)) for row in rows]
out["columns"] = columns
out["indexes"] = {
    n: [r[2] for r in con.execute(f'PRAGMA index_info("{n}")')]
    for t, n, tb, s in objects
    if t == "index"
}
if not existing:
    out["seeds"] = seeds
print(json.dumps(out))
