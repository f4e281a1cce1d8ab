"""The synthetic network's controls: event spacing, graded storms, the power-matched precursor
and the planted Dst index (:mod:`seisem.data.synth`), and their ``seisem synth`` options."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from seisem._errors import ParameterError
from seisem.data.synth import SynthConfig, synthesize

try:
    from seisem.data.daily import band_powers
except ImportError:  # pragma: no cover - before the daily table moved
    from seisem.confounds import band_powers

DAY_S = 86400
LOCAL_S = 8 * 3600  # UTC+8


def _read(path, **kw):
    return pd.read_csv(path, encoding="utf-8-sig", **kw)


def _local_days(paths, cfg):
    """Each event's local (UTC+8) calendar day, counted from the first local day."""
    cat = _read(paths["catalog"])
    day0 = (int(np.datetime64(cfg.start, "s").astype(np.int64)) + LOCAL_S) // DAY_S
    return (cat["Timestamp"].to_numpy() + LOCAL_S) // DAY_S - day0, day0


def _series(paths, code):
    df = pd.read_csv(os.path.join(paths["data"], f"{code}_magn.csv")).drop_duplicates("TimeStamp")
    return df["TimeStamp"].to_numpy(), df["magn@abs_mean"].to_numpy()


def _day_matrix(paths, cfg, code):
    """A station's series as (local day, minute of the local day), NaN where missing."""
    _, day0 = _local_days(paths, cfg)
    ts, v = _series(paths, code)
    i = (ts + LOCAL_S) // 60 - day0 * 1440
    mat = np.full((cfg.days + 1, 1440), np.nan)
    ok = (i >= 0) & (i < mat.size)
    mat.reshape(-1)[i[ok]] = v[ok]
    return mat


# --- 1. spacing_days ------------------------------------------------------------------------------


def test_spacing_keeps_events_and_their_windows_apart(tmp_path):
    before = after = 14
    spacing = before + after + 3
    kw = dict(stations=1, events=6, seed=3, precursor="none")
    need = SynthConfig(days=999, spacing_days=spacing, **kw).min_days()
    assert need == before + after + 5 + 5 * spacing
    sp = synthesize(tmp_path / "spaced", days=need, spacing_days=spacing, **kw)
    free = synthesize(tmp_path / "free", days=need, **kw)
    cfg = SynthConfig(days=need, spacing_days=spacing, **kw)
    t = _read(sp["catalog"])["Timestamp"].to_numpy()
    assert (np.diff(t) >= spacing * DAY_S).all()  # sorted, and at least spacing_days apart
    # the same seed without spacing: same epicentres and magnitudes, but events closer than that
    a, b = _read(sp["catalog"]), _read(free["catalog"])
    for col in ("Longitude", "Latitude", "Magnitude"):
        assert (a[col].to_numpy() == b[col].to_numpy()).all()
    assert np.diff(b["Timestamp"].to_numpy()).min() < spacing * DAY_S
    # no two events' labelled windows (event day, 14 days before, 14 after; local days) overlap
    eday, _ = _local_days(sp, cfg)
    windows = [set(range(d - before, d + after + 1)) for d in eday]
    for i in range(len(windows)):
        for j in range(i + 1, len(windows)):
            assert not windows[i] & windows[j]
    # ... and every window lies inside the span
    assert min(eday) - before >= 0 and max(eday) + after < need
    eday_free, _ = _local_days(free, cfg)
    assert (np.diff(np.sort(eday_free)) < before + after + 1).any()  # without spacing they do overlap


def test_spacing_refuses_too_few_days():
    need = SynthConfig(days=999, events=8, spacing_days=31).min_days()
    SynthConfig(days=need, events=8, spacing_days=31)  # the smallest days that works is accepted
    with pytest.raises(ParameterError) as exc:
        SynthConfig(days=need - 1, events=8, spacing_days=31)
    msg = str(exc.value)
    assert all(w in msg for w in ("days=", "events=8", "spacing_days=31", f"days >= {need}"))
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ParameterError, match="spacing_days="):
            SynthConfig(spacing_days=bad)
    with pytest.raises(ParameterError, match=r"days >= 33"):  # 31 and 32 could not place an event
        SynthConfig(days=32)


# --- 2. storm_strength ----------------------------------------------------------------------------


def test_storm_strength_grades_the_storms(tmp_path):
    kw = dict(stations=2, events=2, days=40, seed=5, precursor="none")
    none = synthesize(tmp_path / "none", **kw)
    full = synthesize(tmp_path / "full", storms="random", **kw)
    one = synthesize(tmp_path / "one", storms="random", storm_strength=1.0, **kw)
    zero = synthesize(tmp_path / "zero", storms="random", storm_strength=0.0, **kw)
    double = synthesize(tmp_path / "double", storms="random", storm_strength=2.0, **kw)
    f = "101_magn.csv"

    def data(p):
        return open(os.path.join(p["data"], f), "rb").read()

    # 1.0 is the default: the same bytes
    for name in ("data", "storms", "dst", "catalog", "truth"):
        a = data(full) if name == "data" else open(full[name], "rb").read()
        b = data(one) if name == "data" else open(one[name], "rb").read()
        assert a == b, name
    # 0: storms drawn (same onsets) with amplitude 0, and the series as without storms
    s1, s0, s2 = (pd.read_csv(p["storms"]) for p in (full, zero, double))
    assert len(s1) > 2 and (s1["onset_utc"] == s0["onset_utc"]).all() and (s0["amplitude"] == 0).all()
    assert data(zero) == data(none) and data(full) != data(none)
    assert np.allclose(s2["amplitude"], 2 * s1["amplitude"], atol=2e-3)
    # the storm signal in the series grows with the strength
    _, x0 = _series(none, "101")
    _, x1 = _series(full, "101")
    _, x2 = _series(double, "101")
    assert 1.5 < np.abs(x2 - x0).sum() / np.abs(x1 - x0).sum() < 2.5
    for bad in (-0.5, float("nan"), float("inf"), "strong"):
        with pytest.raises(ParameterError, match="storm_strength="):
            SynthConfig(storm_strength=bad)


# --- 3. the power-matched precursor ---------------------------------------------------------------


@pytest.fixture(scope="module")
def matched_pair(tmp_path_factory):
    """The same network with precursor="chirp" and "power-matched": 4 stations, 8 events,
    each its own episode."""
    out = tmp_path_factory.mktemp("matched")
    kw = dict(stations=4, events=8, spacing_days=31, seed=0)
    kw["days"] = SynthConfig(days=999, **kw).min_days()
    return {
        p: (synthesize(out / p, precursor=p, **kw), SynthConfig(precursor=p, **kw))
        for p in ("power-matched", "chirp")
    }


def _before_after_band_powers(paths, cfg):
    """Band powers (as the band-power baseline's: the min-max normalised day) of the paired
    station-days: ``before_days`` before each event (label 1) and ``after`` after (label 0)."""
    from seisem.data.pairing import haversine_km

    st = _read(paths["stations"], dtype={"StationID": str})
    cat = _read(paths["catalog"])
    eday, _ = _local_days(paths, cfg)
    dist = haversine_km(
        st["Latitude"].to_numpy()[:, None],
        st["Longitude"].to_numpy()[:, None],
        cat["Latitude"].to_numpy()[None],
        cat["Longitude"].to_numpy()[None],
    )
    paired = (dist < cfg.precursor_max_distance_km) & (
        cat["Magnitude"].to_numpy()[None] >= cfg.precursor_min_magnitude
    )
    idx = np.arange(1440)
    X, y, groups = [], [], []
    for s, code in enumerate(st["StationID"]):
        mat = _day_matrix(paths, cfg, code)
        for e in np.flatnonzero(paired[s]):
            for k in [*range(1, cfg.before_days + 1), *range(-cfg.after, 0)]:
                day = mat[eday[e] - k]
                ok = np.isfinite(day)
                if ok.mean() < 0.8:
                    continue
                day = np.interp(idx, idx[ok], day[ok])
                X.append((day - day.min()) / (day.max() - day.min()))
                y.append(int(k > 0))
                groups.append(e)
    return band_powers(np.array(X)), np.array(y), np.array(groups)


def _band_power_accuracy(paths, cfg):
    """Balanced accuracy of a logistic regression on the 8 band powers, before vs after,
    out of fold over events (each event's days wholly in train or in test)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, groups = _before_after_band_powers(paths, cfg)
    assert len(set(groups)) >= 4 and 0.3 < y.mean() < 0.7 and len(y) > 150
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    pred = cross_val_predict(clf, X, y, groups=groups, cv=GroupKFold(4))
    return balanced_accuracy_score(y, pred)


def test_power_matched_band_powers_carry_no_before_after_information(matched_pair):
    matched = _band_power_accuracy(*matched_pair["power-matched"])
    chirp = _band_power_accuracy(*matched_pair["chirp"])
    # measured, seeds 0-3: power-matched 0.54, 0.57, 0.50, 0.50; chirp 0.90, 0.93, 0.88, 0.89
    assert 0.4 <= matched <= 0.6
    assert chirp >= 0.75 and chirp - matched >= 0.2


def test_power_matched_truth_and_identical_before_days(matched_pair):
    (pm, cfg), (ch, _) = matched_pair["power-matched"], matched_pair["chirp"]
    tp, tc = _read(pm["truth"]), _read(ch["truth"])
    assert "kind" not in tc.columns and set(tp["kind"]) == {"chirp", "surrogate"}
    # the bursts before events are exactly those of the chirp network; surrogates come after
    before = tp[tp["kind"] == "chirp"].drop(columns="kind").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, tc)
    for (sid, kind), g in tp.groupby(["source_id", "kind"]):
        t = int(sid.removeprefix("aeta"))
        eday = np.datetime64((t + LOCAL_S) // DAY_S, "D")
        lead = (eday - pd.to_datetime(g["day_local"]).to_numpy().astype("datetime64[D]")).astype(int)
        if kind == "chirp":
            assert ((lead >= 1) & (lead <= cfg.before_days)).all()
        else:
            assert ((lead <= -1) & (lead >= -cfg.after)).all()
    n_after = (tp["kind"] == "surrogate").sum()
    assert 0.6 < n_after / len(tc) < 1.6  # the same day probability on each side


def _tf_stats(x):
    """Energy-weighted time-frequency correlation of a spectrogram (a sweep: clearly > 0) and
    the share of the energy in the busiest 4 hours (a burst: close to 1; spread: ~1/6)."""
    from scipy.signal import spectrogram

    f, t, S = spectrogram(x, fs=1 / 60, nperseg=64, noverlap=56)
    w = S / S.sum()
    wf, wt = w.sum(axis=1), w.sum(axis=0)
    fm, tm = (wf * f).sum(), (wt * t).sum()
    cov = (w * np.outer(f - fm, t - tm)).sum()
    r = cov / np.sqrt((wf * (f - fm) ** 2).sum() * (wt * (t - tm) ** 2).sum())
    e = S.sum(axis=0)
    k = round(float(4 * 3600 / (t[1] - t[0])))
    return r, np.convolve(e, np.ones(k), "valid").max() / e.sum()


def test_surrogate_same_spectrum_no_sweep_no_localisation():
    from seisem.data.synth import _chirp_burst, _phase_randomised

    rng = np.random.default_rng(11)
    for _ in range(5):
        b = _chirp_burst(rng, 1440)
        s = _phase_randomised(rng, b)
        assert np.allclose(np.abs(np.fft.rfft(s)), np.abs(np.fft.rfft(b)))  # the same periodogram
        rb, lb = _tf_stats(b)
        rs, ls = _tf_stats(s)
        assert rb > 0.5 and lb > 0.9  # a sweep, in a few hours
        assert abs(rs) < 0.2 and ls < 0.4  # no sweep, spread over the day


def test_power_matched_files_sweep_before_not_after(matched_pair):
    """What power-matched adds to the chirp network is on the after days only, and has no sweep."""
    (pm, cfg), (ch, _) = matched_pair["power-matched"], matched_pair["chirp"]
    _, day0 = _local_days(pm, cfg)
    tp = _read(pm["truth"], dtype={"station_code": str})
    tp = tp[tp["station_code"] == tp["station_code"].iloc[0]]  # one station: read once
    code = tp["station_code"].iloc[0]
    mats = {p: _day_matrix(paths, cfg, code) for p, paths in (("pm", pm), ("ch", ch))}
    checked = 0
    for kind in ("chirp", "surrogate"):
        for day in tp.loc[tp["kind"] == kind, "day_local"].head(8):
            d = int(np.datetime64(day, "D").astype(int)) - day0
            diff = mats["pm"][d] - mats["ch"][d]
            ok = np.isfinite(diff)
            if kind == "chirp":  # the same series, to the last digit
                assert (diff[ok] == 0).all()
            elif ok.mean() > 0.95:
                diff = np.interp(np.arange(1440), np.flatnonzero(ok), diff[ok])
                r, loc = _tf_stats(diff)
                assert np.abs(diff).max() > 0 and abs(r) < 0.3 and loc < 0.6
                checked += 1
    assert checked >= 3


def test_precursor_choices():
    with pytest.raises(ParameterError, match="precursor="):
        SynthConfig(precursor="matched")
    SynthConfig(precursor="power-matched")


# --- 4. dst.txt -----------------------------------------------------------------------------------


def test_dst_file(tmp_path):
    from seisem.geomag import read_dst, read_planetary_index

    kw = dict(stations=2, events=3, days=45, seed=6, precursor="none")
    st = synthesize(tmp_path / "storms", storms="random", storm_rate=0.2, **kw)
    qu = synthesize(tmp_path / "quiet", **kw)
    assert json.load(open(st["config"]))["files"]["dst"] == "dst.txt" and os.path.isfile(st["dst"])
    assert all(len(ln.rstrip("\n")) == 120 for ln in open(st["dst"]))
    dst = read_dst(st["dst"])
    kind, table = read_planetary_index(st["dst"])
    assert kind == "Dst" and (table["planetary_activity"].to_numpy() == -dst["dst_min"].to_numpy()).all()
    # every UTC day of the series (and of the first local day) is there, once
    dates = pd.to_datetime(dst["date"]).to_numpy().astype("datetime64[D]")
    assert (np.diff(dates).astype(int) == 1).all()
    ts = np.concatenate([_series(st, c)[0] for c in ("101", "102")])
    first_local = np.datetime64(kw.get("start", "2020-01-01")) - np.timedelta64(8, "h")
    span = ts.astype("datetime64[s]").astype("datetime64[D]")
    assert dates[0] <= first_local.astype("datetime64[D]") and dates[0] <= span.min()
    assert dates[-1] >= span.max()
    # storm days are depressed, quiet days are not
    on = pd.to_datetime(pd.read_csv(st["storms"])["onset_utc"].str.rstrip("Z")).to_numpy()
    on_days = on.astype("datetime64[D]")
    assert len(on_days) >= 4
    dmin = dict(zip(dates.astype(str), dst["dst_min"], strict=True))
    since = (dates[:, None] - on_days[None, :]).astype(int)
    quiet = ~((since >= 0) & (since <= 3)).any(axis=1)  # no onset that day or the 3 before
    quiet_min = dst["dst_min"].to_numpy()[quiet]
    assert quiet.sum() >= 5 and (quiet_min > -20).all()
    for d in on_days:
        nxt = str(d + np.timedelta64(1, "D"))
        if nxt in dmin:
            assert min(dmin[str(d)], dmin[nxt]) < -30  # the main phase, at least 0.6 x 6 units x 20 nT
    onset_min = np.array([dmin[str(d)] for d in on_days if str(d) in dmin])
    assert onset_min.mean() < quiet_min.mean() - 10
    # no storms, or storms of strength 0: the quiet-time variation only, the same
    qd = read_dst(qu["dst"])
    assert (qd["dst_min"] > -20).all() and (qd["dst_mean"].abs() < 20).all()
    zero = synthesize(tmp_path / "zero", storms="random", storm_rate=0.2, storm_strength=0, **kw)
    assert open(zero["dst"], "rb").read() == open(qu["dst"], "rb").read()


# --- 5. the command line --------------------------------------------------------------------------


def test_cli_synth_options(tmp_path, capsys):
    from seisem.cli import main

    with pytest.raises(SystemExit):
        main(["synth", "--help"])
    help_text = capsys.readouterr().out
    for opt in ("--spacing-days", "--storm-strength", "power-matched"):
        assert opt in help_text
    out = tmp_path / "net"
    rc = main(
        [
            "synth",
            "--out",
            str(out),
            "--stations",
            "2",
            "--events",
            "2",
            "--days",
            "40",
            "--spacing-days",
            "3",
            "--precursor",
            "power-matched",
            "--storms",
            "random",
            "--storm-strength",
            "0.5",
        ]
    )
    assert rc == 0 and "dst.txt" in capsys.readouterr().out
    j = json.load(open(out / "synth.json"))
    assert (j["spacing_days"], j["precursor"], j["storm_strength"]) == (3, "power-matched", 0.5)
    assert (out / "dst.txt").is_file()
    assert main(["synth", "--out", str(tmp_path / "bad"), "--storm-strength", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--storm-strength" in err and "storm_strength" not in err
    args = ["synth", "--out", str(tmp_path / "bad"), "--events", "8", "--days", "100", "--spacing-days", "31"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in ("--days", "--events", "--spacing-days", "250"))
