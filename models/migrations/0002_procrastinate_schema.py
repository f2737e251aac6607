"""procrastinate's job tables, on PostgreSQL only.

procrastinate's `apply_schema` is not idempotent, so its schema goes through
kupon's migrations like every other table. On SQLite jobs run in process from
the `job` table and nothing is created. A later procrastinate upgrade adds a
migration that runs the package's upgrade SQL files in the same way.
"""

from importlib import resources

from tortoise import migrations
from tortoise.migrations import operations as ops


async def create_procrastinate_schema(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    sql = (resources.files("procrastinate.sql") / "schema.sql").read_text(encoding="utf-8")
    await client.execute_script(sql)


async def drop_procrastinate_schema(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "postgres":
        return
    await client.execute_script(
        "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
        "procrastinate_jobs, procrastinate_workers CASCADE"
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(create_procrastinate_schema, drop_procrastinate_schema)]
