"""``python -m chirpstft warmup``: compile every Numba kernel into the disk cache ahead of time.
``python -m chirpstft bench``: time chirpstft's backends beside the peers installed here, on your shapes."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from . import _benchmark
from ._errors import ChirpSTFTError
from ._warmup import DTYPES, STEPS, split_steps, warmup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chirpstft",
        description="chirpstft commands: compile the kernels ahead of time (warmup), measure on this machine (bench).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser(
        "warmup",
        help="compile every Numba kernel into Numba's disk cache (for install scripts and containers)",
        description="Compile every Numba kernel into Numba's disk cache, so that later processes load "
        "them in well under a second instead of compiling on first use. The cache is Numba's: "
        "next to the installed package, or NUMBA_CACHE_DIR.",
    )
    w.add_argument(
        "--dtypes",
        default=",".join(DTYPES),
        help=f"comma-separated input dtypes to compile for (default: {','.join(DTYPES)})",
    )
    w.add_argument(
        "--steps",
        default=None,
        help=f"comma-separated steps to compile (default: all: {','.join(STEPS)})",
    )
    w.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="compile in this many processes at once, each a share of the steps (default: 1)",
    )
    w.add_argument("--quiet", action="store_true", help="print only the total")
    b = sub.add_parser(
        "bench",
        help="time chirpstft's backends beside scipy, librosa, torch, cupyx (those installed) on your shapes",
        description="Time chirpstft's backends beside the peers installed here (scipy ShortTimeFFT, "
        "librosa, torch, cupyx.scipy.signal) on your shapes. Every answer is checked against the float64 "
        "NumPy reference before it is timed; the first call (warm-up) is reported apart from the median "
        "of the calls after it.",
    )
    _benchmark.add_arguments(b)
    args = parser.parse_args(argv)
    if args.command == "bench":
        return _benchmark.main(args)
    if args.jobs < 1:
        print(f"python -m chirpstft warmup: --jobs is {args.jobs}; pass 1 or more", file=sys.stderr)
        return 2
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    steps = None if args.steps is None else [s.strip() for s in args.steps.split(",") if s.strip()]
    t0 = time.perf_counter()
    try:
        if args.jobs > 1 and steps is None:
            warmup(dtypes, steps=[])  # check the dtypes here, before starting the processes
            return _parallel(args, split_steps(args.jobs), t0)
        done = warmup(dtypes, steps=steps, progress=None if args.quiet else print)
    except ChirpSTFTError as exc:
        print(f"python -m chirpstft warmup: {exc}", file=sys.stderr)
        return 2
    print(f"chirpstft warmup: {len(done)} steps in {time.perf_counter() - t0:.1f} s")
    return 0


def _parallel(args: argparse.Namespace, groups: list[list[str]], t0: float) -> int:
    """One ``warmup --steps`` process per group, at once; their output as each finishes."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "chirpstft", "warmup", "--dtypes", args.dtypes, "--steps", ",".join(group)]
            + (["--quiet"] if args.quiet else []),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for group in groups
    ]
    failed = 0
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            failed += 1
            print(out, end="", file=sys.stderr)
        elif not args.quiet:
            print("\n".join(out.strip().splitlines()[:-1]))
    if failed:
        return 1
    print(f"chirpstft warmup: {len(groups)} processes in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
