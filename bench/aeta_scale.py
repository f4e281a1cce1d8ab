"""The dataset build at AETA-competition scale, stage by stage, with the automatic and a fixed
chirp rate in one run.

    .venv/bin/python -m bench.aeta_scale --work out/aeta_scale            # 160 stations x 1500 days
    .venv/bin/python -m bench.aeta_scale --work out/aeta_small --stations 20 --days 400 --events 150

A synthetic network like the competition's files (``seisem.data.synthesize`` with
``interval_s=600``: one ``<StationID>_magn.csv`` per station, a row every 10 minutes) is written
once (its generation is not timed); then ``seisem build`` runs as a separate process, as a user
runs it, twice: with the default automatic chirp rate and with ``--chirp-rate 0`` (a fixed rate).
For each: wall time, the process's peak resident memory (``ru_maxrss`` of the child), and the
build's own ``timings.json`` (seconds per stage summed over the stations: read, days
(regularise and cut into days), daily (the controls' daily table), qc, images, write; and
reference, the unpaired stations' daily rows). Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import seisem
from seisem.data import synthesize


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", required=True, help="folder for the network and the datasets")
    p.add_argument("--stations", type=int, default=160)
    p.add_argument("--days", type=int, default=1500)
    p.add_argument("--events", type=int, default=1100)
    p.add_argument(
        "--interval-s", type=int, default=600, help="row spacing of the files (60: the paper's minutes)"
    )
    p.add_argument("--scheduler", default="threads")
    p.add_argument("--only", choices=("auto", "fixed"), default=None, help="one build only")
    return p.parse_args(argv)


def network(work: Path, stations: int, days: int, events: int, interval_s: int = 600) -> dict:
    """The synthetic network (written once; reused when its settings match)."""
    want = {"stations": stations, "days": days, "events": events, "interval_s": interval_s, "seed": 7}
    cfg_path = work / "net" / "synth.json"
    if cfg_path.exists():
        have = json.loads(cfg_path.read_text())
        if all(have.get(k) == v for k, v in want.items()):
            return {k: str(work / "net" / v) for k, v in have["files"].items()}
    shutil.rmtree(work / "net", ignore_errors=True)
    t0 = time.perf_counter()
    paths = synthesize(work / "net", **want)
    print(
        f"network written in {time.perf_counter() - t0:.0f} s: {stations} stations x {days} days, {events} events"
    )
    return paths


def build(paths: dict, out: Path, rate: str, scheduler: str) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "seisem",
        "build",
        "--stations",
        paths["stations"],
        "--catalog",
        paths["catalog"],
        "--data",
        paths["data"],
        "--out",
        str(out),
        "--chirp-rate",
        rate,
        "--scheduler",
        scheduler,
        "--no-progress",
        "--on-bad-split",
        "warn",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if r.returncode:
        sys.exit(f"seisem build failed ({r.returncode}):\n{r.stderr[-3000:]}")
    manifest = json.loads((out / "manifest.json").read_text())
    tim = json.loads((out / "timings.json").read_text())
    return {
        "chirp_rate": rate,
        "wall_s": round(wall, 1),
        # the largest child so far: builds run one after the other, the larger one counts
        "peak_rss_mb": round(max(peak_kb, before) / 1024, 0),
        "samples": manifest["counts"]["samples"],
        "pairs": manifest["counts"]["pairs"],
        "geometry": manifest["geometry"],
        "timings": tim,
        "stdout_tail": r.stdout.strip().splitlines()[-2:],
    }


def main(argv=None):
    args = parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    paths = network(work, args.stations, args.days, args.events, args.interval_s)
    size_mb = sum(f.stat().st_size for f in Path(paths["data"]).iterdir()) / 1e6
    runs = []
    for rate in ("auto", "0"):
        if args.only and (args.only == "auto") != (rate == "auto"):
            continue
        runs.append(build(paths, work / f"ds_{'auto' if rate == 'auto' else 'fixed'}", rate, args.scheduler))
        print(json.dumps(runs[-1], indent=1))
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "seisem": seisem.__version__,
        "network": {
            "stations": args.stations,
            "days": args.days,
            "events": args.events,
            "interval_s": args.interval_s,
            "files_mb": round(size_mb, 1),
        },
        "runs": runs,
    }
    if len(runs) == 2:
        result["auto_over_fixed"] = round(runs[0]["wall_s"] / runs[1]["wall_s"], 2)
        print(f"auto / fixed wall time: {result['auto_over_fixed']}")
    (work / "aeta_scale.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
