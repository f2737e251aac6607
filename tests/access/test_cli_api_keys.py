"""`kupon create-api-key` stores a key of the scope asked for and prints it once."""

import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def kupon(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {"KUPON_DATABASE_URL": url, "KUPON_SECRET_KEY": "cli-test-secret", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "kupon.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_scope_from_the_command_line(tmp_path):
    path = tmp_path / "cli.db"
    url = f"sqlite://{path}"
    assert kupon(url, "migrate").returncode == 0
    integration = kupon(url, "create-api-key", "erp", "--scope", "INTEGRATION").stdout.strip()
    dashboard = kupon(url, "create-api-key", "dash").stdout.strip()
    refused = kupon(url, "create-api-key", "x", "--scope", "WRITE_EVERYTHING")

    rows = dict(sqlite3.connect(path).execute("SELECT prefix, scope FROM api_key").fetchall())
    assert rows == {integration.split("_")[1]: "INTEGRATION", dashboard.split("_")[1]: "READ"}
    assert refused.returncode != 0 and "invalid choice" in refused.stderr
