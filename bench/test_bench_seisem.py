"""seisem dataset build throughput, in station-days per second, to 32x32x3 images.

* from memory: 4096 station-days (random walks with gaps) through QC, gap filling,
  normalisation and ``chirpstft.render`` (:func:`seisem.data.images.process_days`);
* from files: a whole ``build_dataset`` of a synthetic AETA-like network written to CSV
  files (read, regularise, label, QC, render, write HDF5 shards, splits, manifest).

Each benchmark checks its output before the clock runs.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("pandas")
pytest.importorskip("h5py")

from seisem.data import BuildConfig, SeisemDataset, build_dataset, synthesize
from seisem.data.images import process_days
from seisem.io import read_catalog, read_stations

N_DAYS = 4096


@pytest.fixture(scope="module")
def raw_days():
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.standard_normal((N_DAYS, 1440)), axis=1)
    x[::7, 100:108] = np.nan  # short gaps to fill
    return x


def test_seisem_build_from_memory(benchmark, raw_days):
    cfg = BuildConfig()
    _qc, ok, series, images = process_days(raw_days, cfg)
    assert ok.all() and images.shape == (N_DAYS, 32, 32, 3) and images.dtype == np.uint8
    assert np.isfinite(series).all() and series.min() == 0 and series.max() == 1
    benchmark.group = "seisem build (station-days/s = 4096 / time)"
    benchmark.extra_info["station_days"] = N_DAYS
    benchmark(process_days, raw_days, cfg)


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    out = tmp_path_factory.mktemp("net")
    return synthesize(out, stations=12, events=24, days=120, seed=0)


@pytest.mark.parametrize("scheduler", ["synchronous", "threads", "processes"])
def test_seisem_build_from_files(benchmark, network, tmp_path, scheduler):
    st, cat = read_stations(network["stations"]), read_catalog(network["catalog"])
    cfg = BuildConfig.preset("aeta")
    n = [0]

    def run():
        shutil.rmtree(tmp_path / "ds", ignore_errors=True)
        m = build_dataset(st, cat, network["data"], tmp_path / "ds", cfg, scheduler=scheduler, progress=False)
        n[0] = m["counts"]["samples"] + sum(m["counts"]["rejected"].values())
        return m

    m = run()
    assert len(SeisemDataset(tmp_path / "ds")) == m["counts"]["samples"] > 0
    benchmark.group = "seisem build from files (one run = whole build)"
    benchmark.extra_info["station_days"] = n[0]
    benchmark.pedantic(run, rounds=3, iterations=1)
