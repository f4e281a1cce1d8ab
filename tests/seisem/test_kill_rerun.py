"""Issue 15: ``seisem build`` killed with SIGKILL during its write phase, then rerun, gives a
dataset byte-identical to an uninterrupted build; the half-built folder never opens as one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seisem import ReadError, SeisemError
from seisem.data import SeisemDataset

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _cli(*args):
    return [sys.executable, "-m", "seisem", *map(str, args)]


def _files(folder: Path) -> dict:
    # timings.json records how long this build took: the one file that differs by design
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "timings.json"
    }


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    out = tmp_path_factory.mktemp("killnet") / "syn"
    r = subprocess.run(
        _cli("synth", "--out", out, "--stations", 6, "--events", 20, "--days", 60, "--seed", 2),
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return out


def _build_cmd(net, out):
    return _cli(
        "build",
        "--stations",
        net / "stations.csv",
        "--catalog",
        net / "catalog.csv",
        "--data",
        net / "data",
        "--format",
        "aeta",
        "--out",
        out,
        "--scheduler",
        "synchronous",
        "--no-progress",
        "--on-bad-split",
        "warn",
    )


def _writing(out: Path) -> bool:
    """True once the build writes shards: a shard or a temporary file exists under out/."""
    shards = out / "shards"
    return shards.is_dir() and any(True for _ in shards.iterdir())


def test_kill_during_write_then_rerun_is_byte_identical(net, tmp_path):
    ref = tmp_path / "ref"
    r = subprocess.run(_build_cmd(net, ref), env=ENV, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    expected = _files(ref)
    assert "manifest.json" in expected and any(k.endswith(".h5") for k in expected)

    out = tmp_path / "killed"
    for _attempt in range(3):  # the kill must land in the write phase; retry if it came too late
        proc = subprocess.Popen(
            _build_cmd(net, out), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and not _writing(out):
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if _writing(out) and not (out / "manifest.json").exists():
            break
    assert _writing(out), "the build never reached its write phase"
    assert not (out / "manifest.json").exists(), "the build finished before the kill in 3 tries"
    # the half-built folder is never a dataset
    with pytest.raises((ReadError, SeisemError)):
        SeisemDataset(out)

    r = subprocess.run(_build_cmd(net, out), env=ENV, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    got = _files(out)
    assert sorted(got) == sorted(expected), "left-over or missing files after the rerun"
    for name, data in expected.items():
        assert got[name] == data, f"{name} differs from the uninterrupted build"
    assert len(SeisemDataset(out)) == len(SeisemDataset(ref))
