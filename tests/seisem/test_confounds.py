"""Group-aware statistics: group permutation, Molchan; synthetic storms; the build's daily table
(the controls themselves: tests/seisem/test_controls.py; with the CNN: tests/science)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seisem._errors import ParameterError
from seisem.controls.molchan import molchan
from seisem.metrics import group_permutation_null


def test_group_permutation_null_exact_and_random():
    y = np.repeat([1, 0] * 3, 5)  # 6 groups of 5 days, each all-before or all-after
    groups = np.repeat(np.arange(6), 5)
    perfect = group_permutation_null(y, y, groups, n_perm=1000, unit="event-group")
    assert perfect["exact"] and perfect["n_perm"] == 64 and perfect["unit"] == "event-group"
    assert perfect["observed"] == 1.0 and perfect["p_value"] == pytest.approx(1 / 64)
    assert perfect["min_attainable_p"] == pytest.approx(1 / 64)
    # the same predictions judged day by day would look far more significant: the group null is wider
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(40), 6)
    yy = rng.integers(0, 2, 240)
    noise = group_permutation_null(yy, rng.integers(0, 2, 240), g, n_perm=300, seed=1)
    assert not noise["exact"] and noise["p_value"] > 0.05 and abs(noise["null_mean"] - 0.5) < 0.05
    with pytest.raises(ParameterError, match="one length"):
        group_permutation_null(y, y[:-1], groups)


def test_molchan_perfect_and_random_alarms():
    rng = np.random.default_rng(0)
    n = 200
    y = np.zeros(n, int)
    y[:40] = 1
    targets = [[f"e{i // 4}"] if y[i] else [] for i in range(n)]  # 10 events, 4 before-days each
    good = molchan(y + 0.01 * rng.random(n), targets, n_random=100)
    assert good["n_targets"] == 10 and good["nu"][0] == 1.0 and good["area"] < 0.1 and good["p_value"] < 0.05
    rand = molchan(rng.random(n), targets, n_random=100)
    assert rand["p_value"] > 0.05 and abs(rand["area"] - rand["random_area_mean"]) < 0.15
    assert "skipped" in molchan(np.ones(3), [[], [], []])


def test_synth_storms(tmp_path):
    from seisem.data import synthesize
    from seisem.data.synth import SynthConfig

    kw = dict(stations=3, events=6, days=60, seed=4, precursor="none")
    a = synthesize(tmp_path / "none", **kw)
    b = synthesize(tmp_path / "rand", storms="random", **kw)
    c = synthesize(tmp_path / "before", storms="before-events", **kw)
    for name in ("stations", "catalog"):
        assert open(a[name], "rb").read() == open(b[name], "rb").read()
    assert pd.read_csv(a["storms"]).empty and len(pd.read_csv(b["storms"])) > 3
    f = "101_magn.csv"
    xa = pd.read_csv(f"{a['data']}/{f}")["magn@abs_mean"].to_numpy()
    xb = pd.read_csv(f"{b['data']}/{f}")["magn@abs_mean"].to_numpy()
    assert xa.shape == xb.shape and not np.allclose(xa, xb)
    # before-events: onsets concentrate in the 14 days before events (random: far fewer do)
    cat = pd.read_csv(c["catalog"], encoding="utf-8-sig")
    ev = pd.to_datetime(cat["Timestamp"], unit="s").to_numpy()

    def share_before(paths):
        on = pd.to_datetime(pd.read_csv(paths["storms"])["onset_utc"].str.rstrip("Z")).to_numpy()
        lead = (ev[None, :] - on[:, None]) / np.timedelta64(1, "D")
        return np.mean(((lead > 0) & (lead <= 15)).any(axis=1))

    assert share_before(c) > 0.6 and share_before(c) > share_before(b) + 0.15
    with pytest.raises(ParameterError, match="storms="):
        SynthConfig(storms="often")


@pytest.mark.filterwarnings("ignore:.*the split cannot support")
def test_build_reads_each_file_once_and_its_daily_table_equals_the_standalone_one(tmp_path, monkeypatch):
    """The build computes the daily table from the series it reads for the images (one read per
    file), and a resumed build whose daily shard is gone recomputes it: the same bytes as
    :func:`seisem.data.daily.write_daily_table` reading the files itself (every station with
    data: the paired ones and the unpaired reference stations of the activity control)."""
    import collections

    import seisem.data.formats
    from seisem.data import BuildConfig, build_dataset, synthesize
    from seisem.data.build import station_files
    from seisem.data.daily import write_daily_table
    from seisem.io import read_catalog, read_stations

    p = synthesize(tmp_path / "synth", stations=3, events=6, days=40, seed=4)
    cfg = BuildConfig.preset("aeta", min_split_groups=1, on_bad_split="warn")
    reads = collections.Counter()
    real_reader = seisem.data.formats.read_aeta_features

    def counting(path, *a, **kw):
        reads[str(path)] += 1
        return real_reader(path, *a, **kw)

    monkeypatch.setattr(seisem.data.formats, "read_aeta_features", counting)
    stations, catalog = read_stations(p["stations"]), read_catalog(p["catalog"])
    m = build_dataset(
        stations, catalog, p["data"], tmp_path / "ds", cfg, scheduler="synchronous", progress=False
    )
    assert m["daily"]["written"] and reads and set(reads.values()) == {1}, reads
    codes = sorted(read_stations(p["stations"])["station_code"].astype(str))
    files = station_files(p["data"], cfg.format, codes)
    assert set(
        pd.read_csv(tmp_path / "ds" / "daily.csv", dtype={"station_code": str})["station_code"]
    ) == set(files)
    (tmp_path / "alone").mkdir()
    write_daily_table(tmp_path / "alone", files, cfg)
    built = (tmp_path / "ds" / "daily.csv").read_bytes()
    assert built == (tmp_path / "alone" / "daily.csv").read_bytes()
    for shard in (tmp_path / "ds" / "shards").glob("*.daily.csv"):
        shard.unlink()
    build_dataset(stations, catalog, p["data"], tmp_path / "ds", cfg, scheduler="synchronous", progress=False)
    assert (tmp_path / "ds" / "daily.csv").read_bytes() == built
