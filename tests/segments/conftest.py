"""Segment tests run jobs (recompute, issue to a segment, export) as production does."""

from tests.jobs.conftest import procrastinate, run_jobs  # noqa: F401 (fixtures)
