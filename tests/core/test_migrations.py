"""Migrations never lose rows, apply to both databases, and match the models."""

import json
import subprocess
import sys
import uuid

from tests.core.migration_steps import SEEDS, migration_names


def run_tool(*args: str) -> object:
    done = subprocess.run([sys.executable, "-m", "tests.core.migration_steps", *args], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_models_and_committed_migrations_agree():
    assert run_tool("pending") == [], "run `tortoise makemigrations` and commit the file"


def test_first_migration_has_seed_rows_for_every_table():
    assert "0001_initial" in SEEDS and migration_names()[0] == "0001_initial"


async def test_every_migration_keeps_every_row(database, request, tmp_path):
    if database.is_postgres:
        url = request.getfixturevalue("postgres_server").create_database(f"mig_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite://{tmp_path}/migrations.db"
    steps = run_tool("stepwise", url)
    assert [s["migration"] for s in steps[:-1]] == migration_names()
    final = steps[-1]["counts"]
    for step in steps:
        for table, count in step["counts"].items():
            assert final.get(table, 0) >= count, f"{table} lost rows after {step['migration']}"
    assert all(count >= 1 for count in final.values()), final
