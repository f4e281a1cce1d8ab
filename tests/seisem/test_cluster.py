"""The build on a real Dask cluster (``distributed.LocalCluster`` with process workers, reached by
its scheduler address as ``seisem build --scheduler tcp://...`` does): byte-identical output to
the threaded build."""

from __future__ import annotations

import filecmp
import os

import dask
import pytest
from distributed import LocalCluster

from seisem import ParameterError
from seisem.data import BuildConfig, build_dataset
from seisem.io import read_catalog, read_stations

FILES = ("metadata.csv", "rejected.csv", "daily.csv", "pairs.csv")


def _build(paths, out, scheduler):
    return build_dataset(
        read_stations(paths["stations"]),
        read_catalog(paths["catalog"]),
        paths["data"],
        out,
        BuildConfig.preset("aeta", fractions=(0.6, 0.2, 0.2)),
        scheduler=scheduler,
        progress=False,
    )


def test_local_cluster_with_process_workers_builds_the_same_bytes(synth_small, tmp_path):
    threaded = _build(synth_small, tmp_path / "threads", "threads")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        pids = {w.pid for w in cluster.workers.values()}
        assert len(pids) == 2 and os.getpid() not in pids  # separate processes
        clustered = _build(synth_small, tmp_path / "cluster", cluster.scheduler_address)
    assert clustered == threaded | {"data_source": clustered["data_source"]}
    shards = sorted(p.name for p in (tmp_path / "threads" / "shards").iterdir())
    assert shards == sorted(p.name for p in (tmp_path / "cluster" / "shards").iterdir())
    assert any(name.endswith(".h5") for name in shards)
    for name in [*FILES, *(f"shards/{s}" for s in shards)]:
        a, b = tmp_path / "threads" / name, tmp_path / "cluster" / name
        assert a.exists(), name
        assert filecmp.cmp(a, b, shallow=False), f"{name} differs between the threaded and the cluster build"


def test_an_unreachable_scheduler_is_a_clear_error(synth_small, tmp_path):
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
        pytest.raises(
            ParameterError, match=r"scheduler='tcp://127.0.0.1:9' \(--scheduler\): no Dask scheduler answers"
        ),
    ):
        build_dataset(
            read_stations(synth_small["stations"]),
            read_catalog(synth_small["catalog"]),
            synth_small["data"],
            tmp_path,
            BuildConfig.preset("aeta", fractions=(0.6, 0.2, 0.2)),
            scheduler="tcp://127.0.0.1:9",
            progress=False,
        )
