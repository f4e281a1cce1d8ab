"""``python -m chirpstft warmup``: compile every Numba kernel into the disk cache ahead of time."""

from __future__ import annotations

import argparse
import sys
import time

from ._errors import ChirpSTFTError
from ._warmup import DTYPES, warmup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chirpstft",
        description="chirpstft maintenance commands.",
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
    w.add_argument("--quiet", action="store_true", help="print only the total")
    args = parser.parse_args(argv)
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    t0 = time.perf_counter()
    try:
        steps = warmup(dtypes, progress=None if args.quiet else print)
    except ChirpSTFTError as exc:
        print(f"python -m chirpstft warmup: {exc}", file=sys.stderr)
        return 2
    print(f"chirpstft warmup: {len(steps)} steps in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
