"""The app for the campaign walk: kupon's own factory, with the in-process runner's "every minute"
functions (the campaign scheduler) run every second, so a walk driven by the test clock does not
wait a real minute for each run."""

from __future__ import annotations

from kupon import jobs
from kupon.app import create_app as kupon_app

jobs.EVERY_MINUTE_SECONDS = 1


def create_app():
    return kupon_app()
