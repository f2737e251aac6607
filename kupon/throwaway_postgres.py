"""A throwaway PostgreSQL server for tests and benchmarks.

`postgres` refuses to run as root, so when we are root the server runs as the
`postgres` system user (see shared/STACK.md). Data lives in a temporary
directory and is deleted on stop.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field


def find_pg_bin() -> str | None:
    """The bin directory of the newest installed PostgreSQL, or None."""
    env_dir = os.environ.get("KUPON_PG_BIN")
    if env_dir and os.path.exists(os.path.join(env_dir, "initdb")):
        return env_dir
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ThrowawayPostgres:
    bin_dir: str
    port: int = field(default_factory=free_port)
    directory: str = ""

    def _run_as_owner(self, *argv: str) -> None:
        command = list(argv)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> ThrowawayPostgres:
        self.directory = tempfile.mkdtemp(prefix="kupon-pg-")
        if os.geteuid() == 0:
            os.chmod(self.directory, 0o755)
            shutil.chown(self.directory, "postgres", "postgres")
        data = os.path.join(self.directory, "data")
        self._run_as_owner(
            f"{self.bin_dir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"
        )
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run_as_owner(
            f"{self.bin_dir}/pg_ctl", "-D", data, "-l", os.path.join(self.directory, "log"), "-w", "-o",
            options, "start",
        )
        return self

    def stop(self) -> None:
        if not self.directory:
            return
        try:
            self._run_as_owner(f"{self.bin_dir}/pg_ctl", "-D", os.path.join(self.directory, "data"),
                               "stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = ""

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        subprocess.run(
            [f"{self.bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
        )
        return self.url(name)
