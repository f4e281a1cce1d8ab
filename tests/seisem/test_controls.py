"""The controls without a CNN: the daily table, where the activity index comes from (both sides:
a precursor must not count as activity, storms must), shifted pseudo catalogs, the split side
by side, superposed epochs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seisem._errors import ParameterError
from seisem.controls.activity import activity_baseline, activity_source, claimed_days
from seisem.controls.dependence import split_side_by_side
from seisem.controls.epochs import superposed_epoch
from seisem.controls.pseudo import place_among_nulls, pseudo_catalogs, pseudo_events
from seisem.data import BuildConfig, build_dataset, synthesize
from seisem.data.daily import BAND_COLUMNS, load_daily, lookup
from seisem.data.store import SeisemDataset
from seisem.io import read_catalog, read_stations
from seisem.metrics import roc_auc

pytestmark = pytest.mark.filterwarnings("ignore:.*the split cannot support")


def _network(tmp_path, precursor, storms, seed=3):
    net = synthesize(
        tmp_path / "net",
        stations=6,
        events=10,
        days=10 * 32 + 40,
        spacing_days=32,
        precursor=precursor,
        storms=storms,
        seed=seed,
    )
    cfg = BuildConfig.preset("aeta", min_split_groups=1, on_bad_split="warn")
    build_dataset(
        read_stations(net["stations"]),
        read_catalog(net["catalog"]),
        net["data"],
        tmp_path / "ds",
        cfg,
        scheduler="synchronous",
        progress=False,
    )
    ds = SeisemDataset(tmp_path / "ds")
    daily, pairs = load_daily(ds.path)
    return net, ds, daily, pairs


def _auc(ds, daily, column):
    meta = ds.metadata
    v = lookup(meta, daily, column)
    ok = np.isfinite(v)
    return roc_auc(meta["label"].to_numpy(int)[ok], v[ok])


@pytest.fixture(scope="module")
def precursor_net(tmp_path_factory):
    return _network(tmp_path_factory.mktemp("precursor"), "chirp", "none")


@pytest.fixture(scope="module")
def storm_net(tmp_path_factory):
    return _network(tmp_path_factory.mktemp("storms"), "none", "before-events")


def test_a_precursor_is_activity_in_its_own_series_but_not_in_the_remote_reference(precursor_net):
    """The referee's positive control without a CNN: chirps before events and no storms. The
    station's own activity index separates before from after (it counts the precursor as
    activity); the remote reference and the planted planetary index do not."""
    net, ds, daily, pairs = precursor_net
    cfg = ds.manifest["config"]
    src = activity_source(daily, pairs, cfg, rows=ds.metadata)
    assert src["source"] == "remote-reference" and src["can_separate_local_precursor"]
    own = _auc(ds, src["daily"], "activity_std")
    remote = _auc(ds, src["daily"], "activity_control")
    assert own > 0.65, own
    assert abs(remote - 0.5) < 0.12, remote
    planet = activity_source(daily, pairs, cfg, activity_file=net["dst"], rows=ds.metadata)
    assert planet["source"] == "planetary" and planet["index"] == "planetary Dst"
    assert abs(_auc(ds, planet["daily"], "activity_control") - 0.5) < 0.12


def test_storms_before_events_are_activity_in_every_source(storm_net):
    """The negative control: storms before events and no precursor. Every source sees them."""
    net, ds, daily, pairs = storm_net
    cfg = ds.manifest["config"]
    for kw in ({}, {"activity_file": net["dst"]}):
        src = activity_source(daily, pairs, cfg, rows=ds.metadata, **kw)
        assert src["source"] in ("remote-reference", "planetary")
        assert _auc(ds, src["daily"], "activity_control") > 0.7, src["source"]
    b = activity_baseline(ds.train().metadata, ds.test().metadata, src["daily"])
    assert b["balanced_accuracy"] > 0.6


def test_own_series_only_when_nothing_else_and_flagged(precursor_net):
    net, ds, daily, pairs = precursor_net
    cfg = ds.manifest["config"]
    # every station claimed every day: no remote reference exists
    everywhere = pd.concat([pairs.assign(station_code=s) for s in daily["station_code"].unique()])
    src = activity_source(daily, everywhere, cfg, rows=ds.metadata)
    assert src["source"] == "own-series" and not src["can_separate_local_precursor"]
    assert "cannot separate" in src["why"]
    claimed = claimed_days(pairs, cfg)
    assert all(len(k) == 2 for k in claimed) and len(claimed) >= 29 * len(pairs) * 0.9
    with pytest.raises(ParameterError, match="activity_file"):
        bad = net["dst"].replace("dst.txt", "far.txt")
        lines = open(net["dst"]).read().splitlines()
        open(bad, "w").write("\n".join(ln[:3] + "90" + ln[5:] for ln in lines) + "\n")  # 1990: no overlap
        activity_source(daily, pairs, cfg, activity_file=bad, rows=ds.metadata)


def test_shifted_catalogs_keep_the_clustering(precursor_net):
    _net, ds, daily, pairs = precursor_net
    cfg = ds.manifest["config"]
    cats = pseudo_catalogs(pairs, daily, cfg, n=4, seed=1)
    real = np.sort(pd.to_datetime(pairs["source_origin_time"]).dt.tz_localize(None).unique())
    span = (np.datetime64(daily["day"].max()) - np.datetime64(daily["day"].min())).astype("timedelta64[D]")
    for c in cats:
        shift = int(c["pseudo_shift_days"].iloc[0])
        assert 29 <= shift and (c["station_code"].to_numpy() == pairs["station_code"].to_numpy()).all()
        t = np.sort(pd.to_datetime(c["source_origin_time"]).unique())
        # circular shift: the gaps between consecutive events are kept, up to the wrap
        gaps_real = np.diff(real).astype("timedelta64[s]").astype(np.int64)
        gaps = np.diff(t).astype("timedelta64[s]").astype(np.int64)
        assert len(set(gaps_real) - set(gaps)) <= 1 and t.size == real.size
        assert (t >= np.datetime64(daily["day"].min())).all() and (t - t.min()).max() <= span
    again = pseudo_catalogs(pairs, daily, cfg, n=4, seed=1)
    assert [int(c["pseudo_shift_days"].iloc[0]) for c in again] == [
        int(c["pseudo_shift_days"].iloc[0]) for c in cats
    ]
    rnd = pseudo_catalogs(pairs, daily, cfg, n=2, seed=1, method="random")
    assert "pseudo_shift_days" not in rnd[0]
    with pytest.raises(ParameterError, match="method"):
        pseudo_catalogs(pairs, daily, cfg, n=2, method="sideways")


def test_pseudo_events_split_and_epochs(precursor_net):
    _net, ds, daily, pairs = precursor_net
    cfg = ds.manifest["config"]
    src = activity_source(daily, pairs, cfg, rows=ds.metadata)
    d = src["daily"]
    assert {"station_code", "day", "activity_std", "activity_control", *BAND_COLUMNS} <= set(d.columns)
    pe = pseudo_events(pairs, d, cfg, n=3, seed=5)
    cats = pe.pop("_catalogs")
    assert len(cats) == 3 and pe["method"] == "shift" and len(pe["geomagnetic_activity"]["pseudo"]) == 3
    # the band powers see the chirp precursor in the real catalog better than in the shifted ones
    assert pe["logistic_band_power"]["real"] > np.nanmax(pe["logistic_band_power"]["pseudo"]) - 0.05
    sbs = split_side_by_side(ds, d)
    assert set(sbs) == {"episode", "time-block"}
    assert sbs["time-block"]["date_overlap"]["share"] == 0.0
    assert (
        sbs["episode"]["model_trained_on_this_split"] and not sbs["time-block"]["model_trained_on_this_split"]
    )
    assert sbs["episode"]["n_test_units"] >= 1
    se = superposed_epoch(pairs, d, cfg, cats)
    assert se["offsets_days"][0] == -14 and len(se["features"]["activity_control"]["pseudo_lo"]) == 29
    with pytest.raises(ParameterError, match="n=0"):
        pseudo_events(pairs, d, cfg, n=0)


@pytest.fixture(scope="module")
def null_net(tmp_path_factory):
    return _network(tmp_path_factory.mktemp("null"), "none", "none")


def test_the_placement_among_null_catalogs_says_yes_no_and_when_it_cannot_test():
    """The one rule of the pseudo-event control and of the CNN under shifted catalogs: with 19
    catalogs a real score above all of them reaches p = 0.05; one inside them does not; with 3 the
    smallest attainable p is 0.25 and the statement says it is no test at 5 %."""
    nulls = np.linspace(0.45, 0.60, 19)
    yes = place_among_nulls(0.80, nulls)
    assert yes["p_value"] == pytest.approx(0.05) and yes["min_attainable_p"] == pytest.approx(0.05)
    assert "above all 19" in yes["statement"] and "no test at 5 %" not in yes["statement"]
    no = place_among_nulls(0.52, nulls)
    assert no["p_value"] > 0.5 and "score at least the real" in no["statement"]
    small = place_among_nulls(0.80, nulls[:3])
    assert small["p_value"] == pytest.approx(0.25) and "no test at 5 %" in small["statement"]


@pytest.mark.parametrize(("net", "stands_out"), [("precursor_net", True), ("null_net", False)])
def test_pseudo_events_separate_a_planted_precursor_from_a_null_network(request, net, stands_out):
    """19 shifted catalogs (smallest attainable p 0.05): the band powers of the real catalog stand
    above every pseudo catalog where a precursor is planted, and inside them on a null network."""
    _net, ds, daily, pairs = request.getfixturevalue(net)
    cfg = ds.manifest["config"]
    d = activity_source(daily, pairs, cfg, rows=ds.metadata)["daily"]
    pe = pseudo_events(pairs, d, cfg, n=19, seed=5)
    band = pe["logistic_band_power"]
    assert band["n_scored"] == 19
    if stands_out:
        assert band["p_value"] == pytest.approx(0.05), band
    else:
        assert band["p_value"] > 0.05, band
