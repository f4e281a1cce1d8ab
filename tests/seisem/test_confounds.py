"""Group-aware statistics and confound controls: group permutation, Molchan, synthetic storms,
the daily activity table, activity baseline, split side by side, pseudo-events, and the two
done-when demos (a storm-confounded network and a random-storm null)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from seisem._errors import ParameterError
from seisem.metrics import group_permutation_null, molchan


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


def test_daily_table_baselines_splits_and_pseudo_events(small_dataset):
    from seisem import confounds as C
    from seisem.data.store import SeisemDataset

    ds = SeisemDataset(small_dataset[0])
    assert small_dataset[1]["daily"]["written"]
    daily, pairs = C.load_daily(ds.path)
    assert {
        "station_code",
        "day",
        "activity_range",
        "activity_log_range",
        "activity_std",
        *C.BAND_COLUMNS,
    } <= set(daily.columns)
    assert set(ds.metadata["station_code"]) <= set(daily["station_code"]) and len(pairs) > 0
    act = C.activity_baseline(ds.train().metadata, ds.test().metadata, daily)
    assert 0 <= act["balanced_accuracy"] <= 1 and "roc_auc" in act
    sbs = C.split_side_by_side(ds, daily)
    assert set(sbs) == {"event-group", "time-block"}
    assert sbs["time-block"]["date_overlap"]["share"] == 0.0  # a date lies in one block
    assert (
        sbs["event-group"]["model_trained_on_this_split"]
        and not sbs["time-block"]["model_trained_on_this_split"]
    )
    cfg = ds.manifest["config"]
    pe = C.pseudo_events(pairs, daily, cfg, n=3, seed=5)
    cats = pe.pop("_catalogs")
    assert len(cats) == 3 and len(pe["geomagnetic_activity"]["pseudo"]) == 3
    assert (cats[0]["station_code"].to_numpy() == pairs["station_code"].to_numpy()).all()
    again = C.pseudo_events(pairs, daily, cfg, n=3, seed=5)
    assert again["logistic_band_power"]["pseudo"] == pe["logistic_band_power"]["pseudo"]
    se = C.superposed_epoch(pairs, daily, cfg, cats)
    assert se["offsets_days"][0] == -14 and len(se["features"]["activity_std"]["pseudo_lo"]) == 29
    with pytest.raises(ParameterError, match="n=0"):
        C.pseudo_events(pairs, daily, cfg, n=0)


@pytest.mark.filterwarnings("ignore:.*the split cannot support")
def test_build_reads_each_file_once_and_its_daily_table_equals_the_standalone_one(tmp_path, monkeypatch):
    """The build computes the daily table from the series it reads for the images (one read per
    file), and a resumed build whose daily shard is gone recomputes it: the same bytes as
    :func:`seisem.confounds.write_daily_table` reading the files itself."""
    import collections

    import seisem.data.station
    from seisem import confounds as C
    from seisem.data import BuildConfig, build_dataset, synthesize
    from seisem.data.build import station_files
    from seisem.io import read_catalog, read_stations

    p = synthesize(tmp_path / "synth", stations=3, events=6, days=40, seed=4)
    cfg = BuildConfig.preset("aeta", min_split_groups=1, on_bad_split="warn")
    reads = collections.Counter()
    real_reader = seisem.data.station.read_aeta_features

    def counting(path, *a, **kw):
        reads[str(path)] += 1
        return real_reader(path, *a, **kw)

    monkeypatch.setattr(seisem.data.station, "read_aeta_features", counting)
    stations, catalog = read_stations(p["stations"]), read_catalog(p["catalog"])
    m = build_dataset(
        stations, catalog, p["data"], tmp_path / "ds", cfg, scheduler="synchronous", progress=False
    )
    assert m["daily"]["written"] and reads and set(reads.values()) == {1}, reads
    codes = sorted({str(c) for c in pd.read_csv(tmp_path / "ds" / "pairs.csv")["station_code"]})
    files = station_files(p["data"], cfg.format, codes)
    (tmp_path / "alone").mkdir()
    C.write_daily_table(tmp_path / "alone", files, cfg)
    built = (tmp_path / "ds" / "daily.csv").read_bytes()
    assert built == (tmp_path / "alone" / "daily.csv").read_bytes()
    for shard in (tmp_path / "ds" / "shards").glob("*.daily.csv"):
        shard.unlink()
    build_dataset(stations, catalog, p["data"], tmp_path / "ds", cfg, scheduler="synchronous", progress=False)
    assert (tmp_path / "ds" / "daily.csv").read_bytes() == built


# --- the done-when demos ------------------------------------------------------------------------


def _demo(tmp_path, storms):
    from seisem.demo import run_demo

    s = run_demo(
        tmp_path / storms,
        precursor="none",
        storms=storms,
        size="small",
        scheduler="synchronous",
        progress=False,
        filters=False,
        pseudo_events=5,
    )
    m = json.loads((tmp_path / storms / "run" / "metrics.json").read_text())
    return s, m


def test_demo_storms_before_events_is_explained_by_activity(tmp_path):
    """A network confounded by storms before events, with no precursor: the model scores above
    chance and the geomagnetic-activity baseline explains it, which the report states."""
    s, m = _demo(tmp_path, "before-events")
    model = m["balanced_accuracy"]
    act = m["baselines"]["geomagnetic_activity"]["balanced_accuracy"]
    assert model >= 0.6, m
    assert act >= 0.9 * model, (model, act)
    assert m["confound"]["explains"] and s["confound"]["explains"]
    report = (tmp_path / "before-events" / "run" / "report.md").read_text()
    assert "geomagnetic activity explains the model's score" in report
    assert "superposed_epoch.png" in report and "molchan.png" in report
    assert m["permutation"]["unit"] == "event-group"


def test_demo_random_storms_is_at_chance(tmp_path):
    s, m = _demo(tmp_path, "random")
    assert 0.35 <= m["balanced_accuracy"] <= 0.65, m["balanced_accuracy"]
    assert m["permutation"]["unit"] == "event-group" and m["permutation"]["p_value"] >= 0.05
    assert s["storms"] == "random"
