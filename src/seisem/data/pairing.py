"""Station-event pairing and station-day labels.

Distances are great-circle (haversine) on a sphere of radius 6371.0 km by default, or
geodesic on the WGS84 ellipsoid (``method="geodesic"``, through ObsPy/geographiclib).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._errors import ParameterError, check_choice, require

EARTH_RADIUS_KM = 6371.0
METHODS = ("haversine", "geodesic")
COLLISIONS = ("drop", "before-wins", "nearest-event")
BEFORE, AFTER = 1, 0

PAIR_COLUMNS = (
    "station_code",
    "station_latitude_deg",
    "station_longitude_deg",
    "source_id",
    "source_origin_time",
    "source_latitude_deg",
    "source_longitude_deg",
    "source_magnitude",
    "path_distance_km",
)


def haversine_km(lat1, lon1, lat2, lon2, radius_km: float = EARTH_RADIUS_KM):
    """Great-circle distance in km between points given in degrees (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2.0 * radius_km * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def geodesic_km(lat1, lon1, lat2, lon2):
    """WGS84 geodesic distance in km (ObsPy's ``gps2dist_azimuth``), elementwise."""
    geo = require("obspy.geodetics", "obspy", "geodesic distances")
    b = np.broadcast_arrays(
        np.asarray(lat1, float), np.asarray(lon1, float), np.asarray(lat2, float), np.asarray(lon2, float)
    )
    out = np.empty(b[0].shape)
    for i in np.ndindex(out.shape):
        out[i] = geo.gps2dist_azimuth(b[0][i], b[1][i], b[2][i], b[3][i])[0] / 1000.0
    return out


def pair_events(
    stations,
    catalog,
    *,
    min_magnitude: float = 3.6,
    max_distance_km: float = 75.0,
    em_only: bool = False,
    method: str = "haversine",
):
    """Station-event pairs: magnitude ``>= min_magnitude`` and distance ``< max_distance_km``.

    Parameters
    ----------
    stations, catalog : DataFrame
        As returned by :func:`seisem.io.read_stations` and :func:`seisem.io.read_catalog`.
    em_only : bool
        Keep only stations with electromagnetic data (``station_has_em``).
    method : {"haversine", "geodesic"}

    Returns
    -------
    DataFrame
        One row per pair, sorted by origin time, station code: the columns of
        :data:`PAIR_COLUMNS`.
    """
    import pandas as pd

    check_choice("method", method, METHODS)
    for name, val in (("min_magnitude", min_magnitude), ("max_distance_km", max_distance_km)):
        if not np.isfinite(val):
            raise ParameterError(f"{name}={val!r} must be a finite number")
    if max_distance_km <= 0:
        raise ParameterError(f"max_distance_km={max_distance_km!r} must be positive")
    st = stations
    if em_only:
        st = st[st["station_has_em"].astype(bool)]
    ev = catalog[catalog["source_magnitude"] >= min_magnitude]
    if len(st) == 0 or len(ev) == 0:
        return pd.DataFrame({c: [] for c in PAIR_COLUMNS})
    slat = st["station_latitude_deg"].to_numpy(float)[:, None]
    slon = st["station_longitude_deg"].to_numpy(float)[:, None]
    elat = ev["source_latitude_deg"].to_numpy(float)[None, :]
    elon = ev["source_longitude_deg"].to_numpy(float)[None, :]
    dist = haversine_km(slat, slon, elat, elon)
    if method == "geodesic":
        # the ellipsoid differs from the sphere by < 0.6 %: screen with the sphere first
        near = dist < max_distance_km * 1.01
        si, ei = np.nonzero(near)
        dist = np.full(dist.shape, np.inf)
        dist[si, ei] = geodesic_km(slat[si, 0], slon[si, 0], elat[0, ei], elon[0, ei])
    si, ei = np.nonzero(dist < max_distance_km)
    s, e = st.iloc[si].reset_index(drop=True), ev.iloc[ei].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "station_code": s["station_code"].astype(str),
            "station_latitude_deg": s["station_latitude_deg"],
            "station_longitude_deg": s["station_longitude_deg"],
            "source_id": e["source_id"].astype(str),
            "source_origin_time": e["source_origin_time"],
            "source_latitude_deg": e["source_latitude_deg"],
            "source_longitude_deg": e["source_longitude_deg"],
            "source_magnitude": e["source_magnitude"],
            "path_distance_km": dist[si, ei],
        }
    )
    return out.sort_values(["source_origin_time", "source_id", "station_code"], kind="stable").reset_index(
        drop=True
    )


@dataclass
class LabelReport:
    """How station-days were claimed and resolved (see :func:`label_days`)."""

    pairs: int = 0
    claims_before: int = 0
    claims_after: int = 0
    event_days_excluded: int = 0
    merged_same_label: int = 0  # extra claims folded into an already-claimed day with the same label
    conflicts: int = 0  # days claimed as both before and after
    conflicts_dropped: int = 0
    conflicts_to_before: int = 0
    conflicts_to_after: int = 0
    samples_before: int = 0
    samples_after: int = 0
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "extra"}
        d.update(self.extra)
        return d


def event_day(times, tz) -> np.ndarray:
    """Calendar day (``datetime64[D]``) of each UTC instant in time zone ``tz``."""
    import pandas as pd

    from ..io._time import parse_tz

    idx = pd.DatetimeIndex(times)
    if idx.tz is None:
        idx = idx.tz_localize("UTC")
    return idx.tz_convert(parse_tz(tz)).tz_localize(None).normalize().to_numpy().astype("datetime64[D]")


def label_days(
    pairs, *, before_days: int = 14, after_days: int = 14, tz: str = "UTC", collision: str = "drop"
):
    """One labelled sample per (station, calendar day) from station-event pairs.

    For each pair, the station's days ``-before_days .. -1`` relative to the event's
    calendar day (in ``tz``) are *before* (label 1) and ``+1 .. +after_days`` are *after*
    (label 0). Days that are the event day of any paired event at that station are left
    out. A day claimed by several pairs with one label is kept once, with all their
    source ids. A day claimed as both before and after follows ``collision``:
    ``"drop"`` (default) removes it, ``"before-wins"`` labels it before, and
    ``"nearest-event"`` takes the label of the pair whose event day is nearest (a tie is
    dropped).

    Returns
    -------
    samples : DataFrame
        ``station_code, day, label, source_id`` (the primary event: nearest in time, then
        the largest magnitude), ``source_ids`` (all claiming events with this label,
        ``;``-joined), ``source_magnitude, source_origin_time, path_distance_km,
        day_offset`` (day minus the primary event's day), station coordinates.
    report : LabelReport
    """
    import pandas as pd

    check_choice("collision", collision, COLLISIONS)
    for name, val in (("before_days", before_days), ("after_days", after_days)):
        if not (isinstance(val, (int, np.integer)) and val >= 0):
            raise ParameterError(f"{name}={val!r} must be a non-negative integer number of days")
    rep = LabelReport(pairs=len(pairs))
    cols = [
        "station_code",
        "day",
        "label",
        "source_id",
        "source_ids",
        "source_magnitude",
        "source_origin_time",
        "path_distance_km",
        "day_offset",
        "station_latitude_deg",
        "station_longitude_deg",
    ]
    if len(pairs) == 0:
        return pd.DataFrame({c: [] for c in cols}), rep
    p = pairs.reset_index(drop=True)
    eday = event_day(p["source_origin_time"], tz)
    offs = np.r_[np.arange(-before_days, 0), np.arange(1, after_days + 1)]
    labels = np.where(offs < 0, BEFORE, AFTER)
    n = len(p)
    claims = pd.DataFrame(
        {
            "pair": np.repeat(np.arange(n), offs.size),
            "day": (np.repeat(eday, offs.size) + np.tile(offs, n).astype("timedelta64[D]")),
            "label": np.tile(labels, n),
            "offset": np.tile(offs, n),
        }
    )
    claims["station_code"] = p["station_code"].to_numpy()[claims["pair"]]
    rep.claims_before = int((claims["label"] == BEFORE).sum())
    rep.claims_after = int((claims["label"] == AFTER).sum())
    # event days of any pair at the station are never samples
    ev_days = set(zip(p["station_code"], eday, strict=True))
    is_event_day = np.fromiter(
        (
            (s, d) in ev_days
            for s, d in zip(
                claims["station_code"], claims["day"].to_numpy().astype("datetime64[D]"), strict=True
            )
        ),
        bool,
        len(claims),
    )
    rep.event_days_excluded = int(is_event_day.sum())
    claims = claims.loc[~is_event_day]
    claims = claims.assign(
        absoff=np.abs(claims["offset"]), mag=p["source_magnitude"].to_numpy()[claims["pair"]]
    )
    claims["sid"] = p["source_id"].astype(str).to_numpy()[claims["pair"]]
    # one row per (station, day, label): the primary claim is the nearest event, then the largest
    claims = claims.sort_values(
        ["station_code", "day", "label", "absoff", "mag", "pair"],
        ascending=[True, True, True, True, False, True],
        kind="stable",
    )
    keys = ["station_code", "day", "label"]
    g = claims.groupby(keys, sort=True)
    prim = g[["pair", "offset", "absoff"]].first()
    prim["source_ids"] = g["sid"].agg(";".join)
    prim["n"] = g.size()
    prim = prim.reset_index()
    rep.merged_same_label = int((prim["n"] - 1).sum())
    day_groups = prim.groupby(["station_code", "day"], sort=False)
    conflict = (day_groups["label"].transform("size") > 1).to_numpy()
    rep.conflicts = int(conflict.sum() // 2)
    if collision == "drop":
        drop = conflict
    elif collision == "before-wins":
        drop = conflict & (prim["label"].to_numpy() == AFTER)
    else:
        best = day_groups["absoff"].transform("min").to_numpy()
        at_best = prim["absoff"].to_numpy() == best
        n_best = (
            prim.assign(b=at_best)
            .groupby(["station_code", "day"], sort=False)["b"]
            .transform("sum")
            .to_numpy()
        )
        drop = conflict & ~(at_best & (n_best == 1))
    kept_conflict = conflict & ~drop
    rep.conflicts_dropped = rep.conflicts - int(kept_conflict.sum())
    rep.conflicts_to_before = int((kept_conflict & (prim["label"].to_numpy() == BEFORE)).sum())
    rep.conflicts_to_after = int((kept_conflict & (prim["label"].to_numpy() == AFTER)).sum())
    prim = prim.loc[~drop].reset_index(drop=True)
    pr = p.iloc[prim["pair"].to_numpy()].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "station_code": prim["station_code"],
            "day": prim["day"].to_numpy().astype("datetime64[D]"),
            "label": prim["label"].astype(int),
            "source_id": pr["source_id"].astype(str),
            "source_ids": prim["source_ids"],
            "source_magnitude": pr["source_magnitude"],
            "source_origin_time": pr["source_origin_time"],
            "path_distance_km": pr["path_distance_km"],
            "day_offset": prim["offset"].astype(int),
            "station_latitude_deg": pr["station_latitude_deg"],
            "station_longitude_deg": pr["station_longitude_deg"],
        },
        columns=cols,
    )
    rep.samples_before = int((out["label"] == BEFORE).sum())
    rep.samples_after = int((out["label"] == AFTER).sum())
    return out, rep
