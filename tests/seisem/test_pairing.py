"""Pairing and labelling, checked against independent brute-force computations."""

from __future__ import annotations

import math
from datetime import timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from seisem import ParameterError
from seisem.data import haversine_km, label_days, pair_events
from seisem.io import read_catalog, read_stations


def _hav(lat1, lon1, lat2, lon2):
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(a))


def test_haversine_known_values():
    assert haversine_km(0, 0, 1, 0) == pytest.approx(2 * math.pi * 6371.0 / 360)
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * 6371.0)
    assert haversine_km(30, 179.5, 30, -179.5) == pytest.approx(_hav(30, 179.5, 30, 180.5))
    assert haversine_km(45, 10, 45, 10) == 0.0


@pytest.mark.parametrize(
    ("min_mag", "max_km", "em_only"), [(3.6, 75.0, False), (3.6, 75.0, True), (5.0, 30.0, False)]
)
def test_pairs_on_real_aeta_files_match_brute_force(real, min_mag, max_km, em_only):
    st = read_stations(real / "aeta" / "StationInfo.csv")
    cat = read_catalog(real / "aeta" / "eqlst.csv")
    pairs = pair_events(st, cat, min_magnitude=min_mag, max_distance_km=max_km, em_only=em_only)
    # independent computation straight from the CSV files, with the standard library
    raw_st = pd.read_csv(real / "aeta" / "StationInfo.csv", encoding="utf-8-sig")
    raw_ev = pd.read_csv(real / "aeta" / "eqlst.csv", encoding="utf-8-sig")
    expect = set()
    for s in raw_st.itertuples():
        if em_only and not bool(s.MagnData):
            continue
        for e in raw_ev.itertuples():
            if e.Magnitude >= min_mag and _hav(s.Latitude, s.Longitude, e.Latitude, e.Longitude) < max_km:
                expect.add((str(s.StationID), f"aeta{e.Timestamp}"))
    got = set(zip(pairs["station_code"], pairs["source_id"], strict=True))
    assert got == expect
    assert len(pairs) == len(expect)
    if (min_mag, max_km, em_only) == (3.6, 75.0, False):
        assert len(pairs) == 1036  # the count for the paper's thresholds, pinned
    d = [
        _hav(r.station_latitude_deg, r.station_longitude_deg, r.source_latitude_deg, r.source_longitude_deg)
        for r in pairs.itertuples()
    ]
    np.testing.assert_allclose(pairs["path_distance_km"], d, rtol=1e-12)


def test_geodesic_option_close_to_sphere(real):
    pytest.importorskip("obspy")
    st = read_stations(real / "aeta" / "StationInfo.csv").head(20)
    cat = read_catalog(real / "aeta" / "eqlst.csv")
    h = pair_events(st, cat)
    g = pair_events(st, cat, method="geodesic")
    common = h.merge(g, on=["station_code", "source_id"])
    assert len(common) >= 0.9 * len(h)
    rel = np.abs(common["path_distance_km_x"] / common["path_distance_km_y"] - 1)
    assert rel.max() < 0.006  # sphere vs WGS84 ellipsoid


def _pairs(events, station="S1"):
    rows = [
        {
            "station_code": station,
            "station_latitude_deg": 0.0,
            "station_longitude_deg": 0.0,
            "source_id": sid,
            "source_origin_time": pd.Timestamp(t, tz="UTC"),
            "source_latitude_deg": 0.0,
            "source_longitude_deg": 0.0,
            "source_magnitude": m,
            "path_distance_km": 1.0,
        }
        for sid, t, m in events
    ]
    return pd.DataFrame(rows)


def _brute_labels(events, before, after, tz_hours, rule):
    """Day -> label by the rules, computed with plain Python sets."""
    tz = timezone(timedelta(hours=tz_hours))
    days = {sid: pd.Timestamp(t, tz="UTC").tz_convert(tz).date() for sid, t, _ in events}
    claims: dict = {}
    for sid, d in days.items():
        for k in range(1, before + 1):
            claims.setdefault(d - timedelta(days=k), set()).add((1, sid, k))
        for k in range(1, after + 1):
            claims.setdefault(d + timedelta(days=k), set()).add((0, sid, k))
    out = {}
    for day, cl in claims.items():
        if day in set(days.values()):
            continue
        labels = {c[0] for c in cl}
        if len(labels) == 1:
            out[day] = labels.pop()
        elif rule == "before-wins":
            out[day] = 1
        elif rule == "nearest-event":
            best = min(c[2] for c in cl)
            labs = {c[0] for c in cl if c[2] == best}
            if len(labs) == 1:
                out[day] = labs.pop()
    return out


@pytest.mark.parametrize("rule", ["drop", "before-wins", "nearest-event"])
@pytest.mark.parametrize("tz_hours", [0, 8])
def test_label_rules_against_brute_force(rule, tz_hours):
    events = [
        ("e1", "2020-03-10T20:00:00", 4.0),
        ("e2", "2020-03-16T03:00:00", 5.0),
        ("e3", "2020-03-30T12:00:00", 3.8),
        ("e4", "2020-06-01T00:00:00", 4.4),
    ]
    samples, rep = label_days(_pairs(events), tz="UTC" if tz_hours == 0 else "+08:00", collision=rule)
    expect = _brute_labels(events, 14, 14, tz_hours, rule)
    got = {pd.Timestamp(d).date(): lab for d, lab in zip(samples["day"], samples["label"], strict=True)}
    assert got == expect
    assert samples.duplicated(["station_code", "day"]).sum() == 0
    assert rep.samples_before + rep.samples_after == len(samples)
    assert rep.claims_before == rep.claims_after == 14 * 4
    # conflict bookkeeping is consistent
    assert rep.conflicts == rep.conflicts_dropped + rep.conflicts_to_before + rep.conflicts_to_after
    if rule == "drop":
        assert rep.conflicts_dropped == rep.conflicts > 0


def test_label_merges_same_label_claims_and_local_days():
    events = [("a", "2020-01-20T00:00:00", 4.0), ("b", "2020-01-21T00:00:00", 4.5)]
    samples, rep = label_days(_pairs(events), before_days=3, after_days=0)
    day = samples.set_index(samples["day"].astype(str).str[:10])
    assert day.loc["2020-01-18", "source_ids"] == "a;b"
    assert day.loc["2020-01-18", "source_id"] == "a"  # nearest event is primary
    assert day.loc["2020-01-18", "day_offset"] == -2
    assert rep.merged_same_label == 2
    assert "2020-01-20" not in day.index  # an event day is never a sample
    # 20:00 UTC is already the next day in UTC+8
    s_utc, _ = label_days(_pairs([("x", "2020-01-01T20:00:00", 4.0)]), before_days=1, after_days=0)
    s_cn, _ = label_days(
        _pairs([("x", "2020-01-01T20:00:00", 4.0)]), before_days=1, after_days=0, tz="+08:00"
    )
    assert str(s_utc["day"].iloc[0])[:10] == "2019-12-31" and str(s_cn["day"].iloc[0])[:10] == "2020-01-01"


def test_pairing_errors():
    with pytest.raises(ParameterError, match="collision='random'"):
        label_days(_pairs([("a", "2020-01-01", 4.0)]), collision="random")
    with pytest.raises(ParameterError, match="before_days=-1"):
        label_days(_pairs([("a", "2020-01-01", 4.0)]), before_days=-1)
    st = pd.DataFrame(
        {
            "station_code": ["A"],
            "station_latitude_deg": [0.0],
            "station_longitude_deg": [0.0],
            "station_name": [""],
            "station_has_em": [True],
        }
    )
    with pytest.raises(ParameterError, match="method='vincenty'"):
        pair_events(st, st, method="vincenty")
    with pytest.raises(ParameterError, match="max_distance_km=0"):
        pair_events(st, st, max_distance_km=0)
