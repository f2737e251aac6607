"""The processes a benchmark runs against: a throwaway PostgreSQL and uvicorn servers.

Both are context managers that stop what they started on the way out, on
errors and Ctrl-C too, so a failed run leaves no server behind. Servers listen
on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from bench.registry import BenchUnavailable
from kupon.throwaway_postgres import ThrowawayPostgres, find_pg_bin, free_port

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
LOG_TAIL_CHARS = 4000


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A fresh PostgreSQL for this run, deleted afterwards."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise BenchUnavailable(
            "PostgreSQL binaries not found: install PostgreSQL (apt-get install postgresql) "
            "or point KUPON_PG_BIN at the directory holding initdb and pg_ctl"
        )
    server = ThrowawayPostgres(bin_dir)
    try:
        with deferred_signals():
            server.start()
        yield server
    finally:
        _stop_quietly(server)


def _stop_quietly(server: ThrowawayPostgres) -> None:
    """Stop PostgreSQL without hiding the error that is already on its way out, if any."""
    try:
        server.stop()
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"bench: stopping PostgreSQL failed: {exc}", file=sys.stderr)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done, then deliver them.

    Starting a server is a few steps (initdb, pg_ctl start; Popen); stopped
    half-way, it can leave a process that nothing knows how to stop. Deferring
    the signal for those seconds means that what started is always stopped.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if received:
            signal.raise_signal(received[0])


@dataclass
class Server:
    """A running uvicorn process: where to reach it, and what it has logged so far."""

    name: str
    url: str
    process: subprocess.Popen
    log_path: str

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()


@contextlib.contextmanager
def uvicorn_server(name: str, app: str, env: dict[str, str], *, factory: bool = True) -> Iterator[Server]:
    """Serve `app` ("module:callable") with one uvicorn worker and wait until it answers.

    Kupon and every baseline go through here, so they are served alike: same
    uvicorn, same options, no access log (it would cost both sides time). The
    process gets its own session so Ctrl-C reaches only us, and we stop it in
    order (servers first, then the database they use). What the server logs
    is shown afterwards if it logged anything, since warnings there usually
    mean the figures are wrong.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log",
    ]
    if factory:
        command.append("--factory")
    descriptor, log_path = tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")
    os.close(descriptor)
    try:
        with open(log_path, "wb") as log, deferred_signals():
            process = subprocess.Popen(
                command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        server = Server(name, f"http://127.0.0.1:{port}", process, log_path)
        try:
            _wait_until_ready(server)
            yield server
        finally:
            _stop(process)
            _report_log(server)
    finally:
        os.unlink(log_path)


def _wait_until_ready(server: Server) -> None:
    """Any HTTP answer means uvicorn has run the app's startup and bound its port."""
    deadline = time.monotonic() + READY_TIMEOUT
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} server exited with {server.process.returncode}:\n{_tail(server)}")
            try:
                client.get(server.url + "/")
                return
            except httpx.TransportError:
                time.sleep(0.05)
    raise RuntimeError(f"{server.name} server did not answer within {READY_TIMEOUT:.0f} s:\n{_tail(server)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


def _report_log(server: Server) -> None:
    if server.log().strip():
        print(f"bench: the {server.name} server logged:\n{_tail(server)}", file=sys.stderr)


def _tail(server: Server) -> str:
    return server.log()[-LOG_TAIL_CHARS:]
