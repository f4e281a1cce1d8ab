"""A whole AETA month as the network published it, rebuilt from the three real station files:
the time of ``seisem build --format aeta`` with the defaults on 117 stations' files.

    .venv/bin/python -m bench.aeta_month --work out/aeta_month

The competition's December 2020 holds 117 station files with data (about 3.7 MB each) and 53
header-only ones; ``../shared/data/real/aeta/dec2020/`` holds three of the former and one of the
latter. This script writes 117 files, each a real file (the three in turn) under the id of a
real AETA station with electromagnetic data (the ``StationID`` column rewritten), plus 53
header-only files, and times ``seisem build`` on them as a user runs it (a separate process,
default options, the CENC list of 2020-11 .. 2021-01, Dobrovolsky radius, M >= 3.0), reporting
wall time, peak memory and the build's ``timings.json``. The samples differ from the real
month's (other stations hold other series), the volume and the work are the same.
Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"


def write_month(real: Path, folder: Path, n_data: int = 117, n_empty: int = 53) -> int:
    """117 real-size files and 53 header-only ones under real station ids; returns bytes written."""
    stations = pd.read_csv(real / "aeta" / "StationInfo.csv", encoding="utf-8-sig", dtype={"StationID": str})
    ids = [s for s in stations.loc[stations["MagnData"].astype(str) == "True", "StationID"]]
    sources = sorted(p for p in (real / "aeta" / "dec2020").glob("*_magn.csv") if p.stat().st_size > 10_000)
    header = sources[0].read_text(encoding="utf-8").splitlines()[0] + "\n"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    total = 0
    for i, sid in enumerate(ids[: n_data + n_empty]):
        dst = folder / f"{sid}_magn.csv"
        if i < n_data:
            src = sources[i % len(sources)]
            old = src.name.split("_")[0]
            lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
            dst.write_text(lines[0] + "".join(sid + ln[len(old) :] for ln in lines[1:]), encoding="utf-8")
        else:
            dst.write_text(header, encoding="utf-8")
        total += dst.stat().st_size
    return total


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", required=True)
    p.add_argument("--real", default=str(REAL))
    p.add_argument("--repeat", type=int, default=3, help="builds timed (the best and all are reported)")
    args = p.parse_args(argv)
    real, work = Path(args.real), Path(args.work)
    size = write_month(real, work / "data")
    cmd = [
        sys.executable,
        "-m",
        "seisem",
        "build",
        "--format",
        "aeta",
        "--stations",
        str(real / "aeta" / "StationInfo.csv"),
        "--catalog",
        str(real / "catalogs" / "cenc_eqList-day_2020-11_2021-01.xls"),
        "--data",
        str(work / "data"),
        "--min-magnitude",
        "3.0",
        "--max-distance-km",
        "dobrovolsky",
        "--no-progress",
        "--on-bad-split",
        "warn",
    ]
    walls, out = [], {}
    for k in range(args.repeat):
        ds = work / f"ds{k}"
        shutil.rmtree(ds, ignore_errors=True)
        t0 = time.perf_counter()
        r = subprocess.run([*cmd, "--out", str(ds)], capture_output=True, text=True)
        walls.append(round(time.perf_counter() - t0, 2))
        if r.returncode:
            sys.exit(r.stderr[-3000:])
        out = {
            "stdout": r.stdout.strip().splitlines()[-2:],
            "timings": json.loads((ds / "timings.json").read_text()),
            "samples": json.loads((ds / "manifest.json").read_text())["counts"]["samples"],
        }
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "files_mb": round(size / 1e6, 1),
        "wall_s": walls,
        "best_s": min(walls),
        "peak_rss_mb": round(peak),
        **out,
    }
    print(json.dumps(result, indent=1))
    (work / "aeta_month.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
