"""A fake SMS/Kakao gateway on loopback: a TEST DOUBLE for the gateways kupon cannot reach here.

It speaks the wire format of `kupon.messaging.http_gateway` (read that docstring first) for
real, over HTTP on 127.0.0.1: it checks the key, the signature, the timestamp's skew and that
no nonce repeats (401 with code BAD_SIGNATURE, STALE_TIMESTAMP or REPLAYED_NONCE), records
every request, and answers an idempotency key it has accepted before with the same message id
(recorded as "duplicate", never delivered twice). Tests and benchmarks tell it to misbehave::

    with running_fake_gateway() as gateway:          # a thread; process=True for benchmarks
        settings = replace(settings, sms_base_url=gateway.url, kakao_base_url=gateway.url,
                           gateway_api_key=gateway.api_key, gateway_api_secret=gateway.api_secret)
        gateway.fail(status=503, times=1)            # 5xx
        gateway.delay(seconds=2, times=1)            # answer late (then accept)
        gateway.rate_limit(retry_after=3, times=1)   # 429 + Retry-After
        gateway.reject("01000000000", code="INVALID_NUMBER")   # 4xx {"code"}
        gateway.no_kakaotalk("01012345678")          # Kakao paths only: 4xx NO_KAKAOTALK
        gateway.requests(path="/v1/sms", to=..., outcome="accepted")
        gateway.delivered(); gateway.stats(); gateway.reset()

A fault applies to requests matching its `to` and path prefix (all when None), `times`
times (None: until reset), checked in the order given, after the signature check and the
duplicate check. Outcomes: accepted, duplicate, failed, rate_limited, rejected, bad_request,
bad_signature. Nothing is logged per request, so it is fast enough to benchmark against.
The control calls are plain HTTP (/_fake/...), so the gateway works the same in a thread
or in its own process (`python -m kupon.messaging.fake_gateway --port N`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import itertools
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from kupon.messaging.http_gateway import ALIMTALK_PATH, FRIENDTALK_PATH, SMS_PATH, sign

MAX_SKEW_SECONDS = 300
READY_TIMEOUT = 15.0
REQUIRED_FIELDS = ("to", "from", "text", "idempotency_key")
KAKAO_PREFIX = "/v1/kakao/"


@dataclass
class Fault:
    kind: str  # fail | delay | rate_limit | reject
    to: str | None = None
    path: str | None = None  # a path prefix
    times: int | None = None
    status: int = 503
    code: str = ""
    seconds: float = 0.0

    def matches(self, path: str, to: str) -> bool:
        return ((self.times is None or self.times > 0) and (self.to is None or self.to == to)
                and (self.path is None or path.startswith(self.path)))


@dataclass
class Recorded:
    path: str
    outcome: str
    status: int
    to: str = ""
    message_id: str = ""
    body: dict = field(default_factory=dict)
    at: float = 0.0


class GatewayState:
    """What the gateway has seen and been told; one lock, so any thread may read it."""

    def __init__(self, api_key: str, api_secret: str) -> None:
        self.api_key, self.api_secret = api_key, api_secret
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.records: list[Recorded] = []
            self.accepted: dict[str, str] = {}
            self.nonces: set[str] = set()
            self.faults: list[Fault] = []
            self.ids = itertools.count(1)

    def record(self, path: str, outcome: str, status: int, body: dict, message_id: str = "") -> None:
        with self.lock:
            self.records.append(Recorded(path, outcome, status, str(body.get("to", "")), message_id, body,
                                         time.time()))

    def take_fault(self, path: str, to: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(path, to):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def accept(self, path: str, body: dict) -> tuple[str, bool]:
        """(message id, True if new); a key seen before gets its first id back."""
        key = body["idempotency_key"]
        with self.lock:
            known = self.accepted.get(key)
            message_id = known or f"fake-{next(self.ids)}"
            self.accepted[key] = message_id
            self.records.append(Recorded(path, "duplicate" if known else "accepted", 200, str(body["to"]),
                                         message_id, body, time.time()))
        return message_id, known is None

    def signature_problem(self, request: Request, body: bytes) -> str | None:
        headers = request.headers
        timestamp, nonce = headers.get("x-kupon-timestamp", ""), headers.get("x-kupon-nonce", "")
        expected = sign(self.api_secret, request.method, request.url.path, timestamp, nonce, body)
        if headers.get("x-kupon-key") != self.api_key or not hmac.compare_digest(
                expected, headers.get("x-kupon-signature", "")):
            return "BAD_SIGNATURE"
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
            return "STALE_TIMESTAMP"
        with self.lock:
            if nonce in self.nonces:
                return "REPLAYED_NONCE"
            self.nonces.add(nonce)
        return None


def create_app(state: GatewayState) -> Starlette:
    async def send(request: Request) -> Response:
        path, raw = request.url.path, await request.body()
        problem = state.signature_problem(request, raw)
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        if problem:
            state.record(path, "bad_signature", 401, body)
            return JSONResponse({"code": problem}, 401)
        if not isinstance(body, dict) or any(name not in body for name in REQUIRED_FIELDS):
            state.record(path, "bad_request", 400, body if isinstance(body, dict) else {})
            return JSONResponse({"code": "MISSING_FIELD"}, 400)
        if body["idempotency_key"] in state.accepted:
            message_id, _ = state.accept(path, body)
            return JSONResponse({"message_id": message_id})
        fault = state.take_fault(path, str(body["to"]))
        if fault is not None:
            answer = await _misbehave(fault, state, path, body)
            if answer is not None:
                return answer
        message_id, _ = state.accept(path, body)
        return JSONResponse({"message_id": message_id})

    async def add_fault(request: Request) -> Response:
        fault = Fault(**await request.json())
        with state.lock:
            state.faults.append(fault)
        return JSONResponse(asdict(fault))

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({})

    async def requests(request: Request) -> Response:
        query = request.query_params
        wanted = {name: query[name] for name in ("path", "to", "outcome") if name in query}
        with state.lock:
            found = [asdict(r) for r in state.records if all(getattr(r, k) == v for k, v in wanted.items())]
        return JSONResponse(found)

    async def stats(request: Request) -> Response:
        with state.lock:
            counts: dict[str, int] = {}
            for record in state.records:
                counts[record.outcome] = counts.get(record.outcome, 0) + 1
        return JSONResponse(counts)

    async def home(request: Request) -> Response:
        return PlainTextResponse("kupon fake gateway (test double)")

    return Starlette(routes=[
        *(Route(path, send, methods=["POST"]) for path in (SMS_PATH, ALIMTALK_PATH, FRIENDTALK_PATH)),
        Route("/_fake/faults", add_fault, methods=["POST"]),
        Route("/_fake/reset", reset, methods=["POST"]),
        Route("/_fake/requests", requests),
        Route("/_fake/stats", stats),
        Route("/", home),
    ])


async def _misbehave(fault: Fault, state: GatewayState, path: str, body: dict) -> Response | None:
    """The answer a fault gives, or None to go on and accept (after a delay)."""
    if fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
        return None
    if fault.kind == "rate_limit":
        state.record(path, "rate_limited", 429, body)
        return JSONResponse({"code": "RATE_LIMITED"}, 429, headers={"Retry-After": f"{fault.seconds:g}"})
    outcome = "failed" if fault.kind == "fail" else "rejected"
    state.record(path, outcome, fault.status, body)
    return JSONResponse({"code": fault.code or ("GATEWAY_ERROR" if fault.kind == "fail" else "REJECTED")},
                        fault.status)


class FakeGateway:
    """Where the fake gateway listens, its credentials, and the control calls."""

    def __init__(self, url: str, api_key: str, api_secret: str) -> None:
        self.url, self.api_key, self.api_secret = url, api_key, api_secret
        self._control = httpx.Client(base_url=url, timeout=READY_TIMEOUT)

    def _fault(self, **fault) -> None:
        self._control.post("/_fake/faults", json=fault).raise_for_status()

    def fail(self, status: int = 503, *, to: str | None = None, path: str | None = None,
             times: int | None = None) -> None:
        self._fault(kind="fail", status=status, to=to, path=path, times=times)

    def delay(self, seconds: float, *, to: str | None = None, path: str | None = None,
              times: int | None = None) -> None:
        self._fault(kind="delay", seconds=seconds, to=to, path=path, times=times)

    def rate_limit(self, retry_after: float = 1, *, to: str | None = None, path: str | None = None,
                   times: int | None = None) -> None:
        self._fault(kind="rate_limit", seconds=retry_after, to=to, path=path, times=times)

    def reject(self, to: str | None, code: str = "INVALID_NUMBER", status: int = 400, *,
               path: str | None = None, times: int | None = None) -> None:
        self._fault(kind="reject", to=to, code=code, status=status, path=path, times=times)

    def no_kakaotalk(self, to: str) -> None:
        self.reject(to, code="NO_KAKAOTALK", path=KAKAO_PREFIX)

    def requests(self, *, path: str | None = None, to: str | None = None, outcome: str | None = None
                 ) -> list[Recorded]:
        query = {k: v for k, v in {"path": path, "to": to, "outcome": outcome}.items() if v is not None}
        answer = self._control.get("/_fake/requests", params=query)
        answer.raise_for_status()
        return [Recorded(**r) for r in answer.json()]

    def delivered(self, **filters) -> list[Recorded]:
        return self.requests(outcome="accepted", **filters)

    def stats(self) -> dict[str, int]:
        return self._control.get("/_fake/stats").json()

    def reset(self) -> None:
        self._control.post("/_fake/reset").raise_for_status()

    def close(self) -> None:
        self._control.close()


@contextlib.contextmanager
def running_fake_gateway(api_key: str = "fake-key", api_secret: str = "fake-secret", *,
                         process: bool = False) -> Iterator[FakeGateway]:
    """Serve the fake gateway on a free 127.0.0.1 port until the block ends.

    process=False runs uvicorn in a daemon thread of this process (quick, for tests);
    process=True in its own Python process, so a benchmark's client does not share a GIL
    with it."""
    with _served_in_process(api_key, api_secret) if process else _served_in_thread(api_key, api_secret) as url:
        gateway = FakeGateway(url, api_key, api_secret)
        try:
            yield gateway
        finally:
            gateway.close()


@contextlib.contextmanager
def _served_in_thread(api_key: str, api_secret: str) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(GatewayState(api_key, api_secret)), log_level="warning", access_log=False,
                            lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-gateway")
    thread.start()
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake gateway did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(READY_TIMEOUT)
        sock.close()


@contextlib.contextmanager
def _served_in_process(api_key: str, api_secret: str) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "kupon.messaging.fake_gateway", "--port", str(port), "--api-key", api_key,
         "--api-secret", api_secret], stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(READY_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the fake gateway exited with {process.returncode}")
        try:
            httpx.get(url + "/", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the fake gateway did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", default="fake-key")
    parser.add_argument("--api-secret", default="fake-secret")
    args = parser.parse_args()
    uvicorn.run(create_app(GatewayState(args.api_key, args.api_secret)), host="127.0.0.1", port=args.port,
                log_level="warning", access_log=False, lifespan="off")


if __name__ == "__main__":
    main()
