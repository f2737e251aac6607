"""kupon's benchmarks: `python -m bench [NAME ...] [--json]`.

Each benchmark measures kupon beside a baseline in the same run, on the same
machine, so the ratio means something even where the absolute figures do not
(see bench/README.md).
"""
