"""A real `kupon worker` process killed (SIGKILL) in the middle of a batch, after the gateway
accepted messages whose rows were not yet marked SENT, then restarted: every member of the run
is delivered exactly once (PostgreSQL; SQLite has no separate worker)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from gql.resolvers.campaign_scheduler import start_due_campaigns
from kupon import jobs
from kupon.timeutil import now_utc
from models.campaigns import CampaignMessage, CampaignRun, CreditEntry
from tests.campaigns.dispatch_support import (
    SENDER_KEY,
    SENDER_NUMBER,
    fake_gateway_server,  # noqa: F401 - fixtures
    gateway,  # noqa: F401
    make_campaign,
    shop_settings,
    top_up,
)
from tests.conftest import TEST_SECRET
from tests.factories import make_member, make_site

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 400
WAIT = 60


def start_worker(db, gateway, log: Path) -> subprocess.Popen:  # noqa: F811
    env = {**os.environ, "KUPON_DATABASE_URL": db.url, "KUPON_SECRET_KEY": TEST_SECRET,
           "KUPON_SMS_BASE_URL": gateway.url, "KUPON_KAKAO_BASE_URL": gateway.url,
           "KUPON_GATEWAY_API_KEY": gateway.api_key, "KUPON_GATEWAY_API_SECRET": gateway.api_secret,
           "KUPON_SMS_SENDER_NUMBER": SENDER_NUMBER, "KUPON_KAKAO_SENDER_KEY": SENDER_KEY}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "kupon.cli", "worker", "--concurrency", "1"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)


async def until(predicate, what: str, worker: subprocess.Popen, log: Path):
    async with asyncio.timeout(WAIT):
        while not (found := await predicate()):
            if worker.poll() is not None:
                pytest.fail(f"the worker exited with {worker.returncode} while waiting for {what}:\n{log.read_text()}")
            await asyncio.sleep(0.05)
    return found


async def test_worker_killed_mid_batch_delivers_each_member_once(db, app, gateway, tmp_path):  # noqa: F811
    if not db.is_postgres:
        pytest.skip("a separate worker process runs jobs on PostgreSQL only")
    await shop_settings()
    await top_up(1_000_000)
    site = await make_site()
    members = [await make_member(site, phone=f"010-5555-{n:04d}") for n in range(MEMBERS)]
    await make_campaign([m.id for m in members], message_type="INFORMATIONAL", at=now_utc())
    gateway.delay(seconds=0.25)  # every request answers late: the first batch is in flight for seconds
    log = tmp_path / "worker.log"
    papp = jobs.procrastinate_app(db.url)
    async with papp.open_async():
        jobs.set_runner(jobs.ProcrastinateRunner(papp))
        try:
            [run_id] = await start_due_campaigns(now_utc())
            worker = start_worker(db, gateway, log)

            async def accepted_but_unrecorded():
                sent = await CampaignMessage.filter(run_id=run_id, status="SENT").count()
                return len(gateway.delivered()) >= 40 and sent == 0

            await until(accepted_but_unrecorded, "messages accepted by the gateway", worker, log)
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            accepted_before_kill = len(gateway.delivered())
            assert await CampaignMessage.filter(run_id=run_id, status="SENT").count() == 0

            # What the periodic requeue-abandoned task does once the heartbeat is stale (5 minutes):
            for job_id in await jobs.recover_abandoned(stale_after=None):
                await jobs.get_runner().submit(job_id)
            worker = start_worker(db, gateway, log)

            async def run_done():
                return (await CampaignRun.get(id=run_id)).status == "DONE"

            try:
                await until(run_done, "the run to finish", worker, log)
            finally:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(WAIT)
        finally:
            jobs.set_runner(app.state.job_runner)

    keys = Counter(r.body["idempotency_key"] for r in gateway.delivered())
    assert keys == Counter({f"run-{run_id}:member-{m.id}": 1 for m in members})
    duplicates = gateway.requests(outcome="duplicate")
    assert accepted_before_kill > 0 and len(duplicates) >= 1  # re-sent after the crash, delivered once
    rows = await CampaignMessage.filter(run_id=run_id).values_list("status", "provider_message_id")
    assert Counter(status for status, _ in rows) == Counter({"SENT": MEMBERS})
    accepted_ids = {r.body["idempotency_key"]: r.message_id for r in gateway.delivered()}
    by_member = dict(await CampaignMessage.filter(run_id=run_id).values_list("member_id", "provider_message_id"))
    assert all(by_member[m.id] == accepted_ids[f"run-{run_id}:member-{m.id}"] for m in members)
    assert await CreditEntry.filter(kind="CHARGE").count() == MEMBERS  # charged once per member
    run = await CampaignRun.get(id=run_id)
    assert (run.sent, run.failed, run.targets) == (MEMBERS, 0, MEMBERS)
