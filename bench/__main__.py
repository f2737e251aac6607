"""`python -m bench [NAME ...] [--json]`: run benchmarks, print each figure beside its baseline.

Exit status: 0 when every benchmark ran, 1 when one failed, 2 when one cannot
run on this machine (PostgreSQL missing) or a name is unknown.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from bench.registry import Benchmark, BenchUnavailable, Options, Result, load_benchmarks


def parse_args(argv: Sequence[str] | None, names: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--seconds", type=float, default=Options.seconds,
                      help="measure each side for this long (default %(default)s)")
    size.add_argument("--requests", type=int, help="measure each side for this many requests instead")
    parser.add_argument("--warmup", type=float, default=Options.warmup,
                        help="seconds of unmeasured load first (default %(default)s)")
    parser.add_argument("--concurrency", type=int, default=Options.concurrency,
                        help="requests in flight (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=Options.rounds,
                        help="turns kupon and baseline take, splitting the measured load (default %(default)s)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in names]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(names)}")
    too_small = args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1 or args.rounds < 1
    if too_small or (args.requests is not None and args.requests < 1):
        parser.error("--seconds, --requests, --concurrency and --rounds must be positive, --warmup not negative")
    return args


def format_json(result: Result) -> str:
    return json.dumps(result.as_dict())


def format_table(results: Sequence[Result]) -> str:
    rows = [("benchmark", "kupon", "baseline", "unit", "ratio")]
    rows += [(r.name, f"{r.value:,.1f}", f"{r.baseline:,.1f}", r.unit, f"{r.ratio:.3f}") for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) if i in (0, 3) else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("ratio: kupon's speed relative to the baseline; 1.0 = as fast, higher is better")
    return "\n".join(lines)


def _exit_on_sigterm(signum, frame) -> None:
    # Turn `kill`/`timeout` into an exception so the finally blocks stop the servers.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None, registry: dict[str, Benchmark] | None = None,
         out: TextIO | None = None) -> int:
    """Run the chosen benchmarks; `registry` and `out` let tests run fake ones."""
    out = out or sys.stdout
    registry = load_benchmarks() if registry is None else registry
    args = parse_args(argv, sorted(registry))
    if args.list:
        print("\n".join(sorted(registry)), file=out)
        return 0
    options = Options(seconds=args.seconds, warmup=args.warmup, requests=args.requests,
                      concurrency=args.concurrency, rounds=args.rounds)
    results, status = [], 0
    for name in args.names or sorted(registry):
        try:
            result = registry[name](options)
        except BenchUnavailable as exc:
            print(f"bench: {name}: cannot run: {exc}", file=sys.stderr)
            status = max(status, 2)
            continue
        except Exception:
            print(f"bench: {name}: failed\n{traceback.format_exc()}", file=sys.stderr)
            status = max(status, 1)
            continue
        results.append(result)
        if args.json:
            print(format_json(result), file=out, flush=True)
    if results and not args.json:
        print(format_table(results), file=out)
    return status


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # The servers are stopped by now (finally blocks); no traceback for a Ctrl-C.
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
