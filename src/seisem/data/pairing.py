"""Station-event pairing and station-day labels.

Distances are great-circle (haversine) on a sphere of radius 6371.0 km by default, or
geodesic on the WGS84 ellipsoid (``method="geodesic"``, through ObsPy/geographiclib).

Distance rules: a fixed radius in km, ``"dobrovolsky"`` (the earthquake-preparation-zone
radius ``10**(0.43*M)`` km of Dobrovolsky, Zubkov & Miachkin 1979, *Pure and Applied
Geophysics* 117, 1025-1044: 52 km at M4, 141 km at M5, 380 km at M6, 1,023 km at M7), or
any callable mapping an array of magnitudes to radii in km.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._errors import ParameterError, ReadError, check_choice, require
from ..io._time import parse_tz
from .splits import BACKGROUND

EARTH_RADIUS_KM = 6371.0
METHODS = ("haversine", "geodesic")
COLLISIONS = ("drop", "before-wins", "nearest-event")
BEFORE, AFTER = 1, 0


def dobrovolsky_radius_km(magnitude):
    """Radius of the earthquake preparation zone, :math:`10^{0.43 M}` km.

    Dobrovolsky, Zubkov & Miachkin 1979, *Pure and Applied Geophysics* 117, 1025-1044:
    52 km at M4, 141 km at M5, 380 km at M6, 1,023 km at M7: tenfold per 2.3 magnitudes.

    Parameters
    ----------
    magnitude : float or array-like of float
        Earthquake magnitude(s).

    Returns
    -------
    numpy.ndarray of float64
        The radius in km, of the shape of ``magnitude`` (a 0-d array for a scalar).
    """
    return 10.0 ** (0.43 * np.asarray(magnitude, dtype=np.float64))


DISTANCE_RULES = {"dobrovolsky": dobrovolsky_radius_km}


def distance_rule(max_distance_km):
    """A function of magnitude (array) -> radius in km, from a number, ``"dobrovolsky"``
    (also as text from the command line, where numbers arrive as text) or a callable."""
    if callable(max_distance_km):
        return max_distance_km
    if isinstance(max_distance_km, str):
        key = max_distance_km.strip().lower()
        if key in DISTANCE_RULES:
            return DISTANCE_RULES[key]
        try:
            max_distance_km = float(key)
        except ValueError:
            raise ParameterError(
                f"max_distance_km={max_distance_km!r} must be a number of km, 'dobrovolsky' "
                "(10**(0.43*M) km) or a function of magnitude"
            ) from None
    try:
        r = float(max_distance_km)
    except (TypeError, ValueError):
        raise ParameterError(
            f"max_distance_km={max_distance_km!r} must be a number of km, 'dobrovolsky' or a function of magnitude"
        ) from None
    if not (np.isfinite(r) and r > 0):
        raise ParameterError(f"max_distance_km={max_distance_km!r} must be a positive, finite number of km")
    return lambda m: np.full(np.shape(m), r)


def _radii(rule, mags):
    r = np.asarray(rule(np.asarray(mags, dtype=np.float64)), dtype=np.float64)
    if r.shape != np.shape(mags):
        r = np.broadcast_to(r, np.shape(mags)).astype(np.float64)
    if np.any(~np.isfinite(r) | (r < 0)):
        raise ParameterError("the distance rule gave a negative or non-finite radius for some magnitude")
    return r


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
    "source_radius_km",
)

#: The columns of labelled station-days (:func:`label_days`, :func:`background_days`).
SAMPLE_COLUMNS = (
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
)


def haversine_km(lat1, lon1, lat2, lon2, radius_km: float = EARTH_RADIUS_KM):
    r"""Great-circle distance in km between points given in degrees (broadcasting).

    The haversine formula on a sphere of radius :math:`R` (latitudes :math:`\varphi`,
    longitudes :math:`\lambda`):
    :math:`d = 2R \arcsin\sqrt{\sin^2(\Delta\varphi/2) + \cos\varphi_1\cos\varphi_2\sin^2(\Delta\lambda/2)}`.

    Parameters
    ----------
    lat1, lon1 : float or array-like of float
        Latitude and longitude of the first point(s), degrees.
    lat2, lon2 : float or array-like of float
        Latitude and longitude of the second point(s), degrees; all four broadcast together.
    radius_km : float, default 6371.0
        The sphere's radius in km (:data:`EARTH_RADIUS_KM`, the Earth's mean radius).

    Returns
    -------
    numpy.ndarray or float
        The distances in km, of the broadcast shape.
    """
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
    max_distance_km=75.0,
    em_only: bool = False,
    method: str = "haversine",
):
    """Station-event pairs: magnitude ``>= min_magnitude`` and distance ``<`` the event's radius.

    ``max_distance_km`` is a fixed radius in km (75 km in the seed paper), ``"dobrovolsky"``
    (:math:`10^{0.43 M}` km, see :func:`dobrovolsky_radius_km`), or a callable mapping an
    array of magnitudes to radii in km. The radius used is the ``source_radius_km`` column.

    Parameters
    ----------
    stations, catalog : DataFrame
        As returned by :func:`seisem.io.read_stations` and :func:`seisem.io.read_catalog`.
    min_magnitude : float, default 3.6
        Smallest magnitude paired (the seed paper's 3.6); events below it are ignored.
    max_distance_km : float, "dobrovolsky" or callable, default 75.0
        The distance rule: a fixed radius in km, ``"dobrovolsky"`` (:math:`10^{0.43 M}` km),
        or a function from an array of magnitudes to radii in km. A pair needs a distance
        strictly below the event's radius.
    em_only : bool, default False
        Keep only stations with electromagnetic data (``station_has_em``).
    method : {"haversine", "geodesic"}, default "haversine"
        Great circle on a 6371 km sphere (:func:`haversine_km`), or the WGS84 geodesic
        (needs ObsPy; the sphere screens the candidates first).

    Returns
    -------
    DataFrame
        One row per pair, sorted by origin time, station code: the columns of
        :data:`PAIR_COLUMNS`.
    """

    check_choice("method", method, METHODS)
    if not np.isfinite(min_magnitude):
        raise ParameterError(f"min_magnitude={min_magnitude!r} must be a finite number")
    rule = distance_rule(max_distance_km)
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
    radius = _radii(rule, ev["source_magnitude"].to_numpy(float))[None, :]
    dist = haversine_km(slat, slon, elat, elon)
    if method == "geodesic":
        # the ellipsoid differs from the sphere by < 0.6 %: screen with the sphere first
        near = dist < radius * 1.01
        si, ei = np.nonzero(near)
        dist = np.full(dist.shape, np.inf)
        dist[si, ei] = geodesic_km(slat[si, 0], slon[si, 0], elat[0, ei], elon[0, ei])
    si, ei = np.nonzero(dist < radius)
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
            "source_radius_km": radius[0, ei],
        }
    )
    return out.sort_values(["source_origin_time", "source_id", "station_code"], kind="stable").reset_index(
        drop=True
    )


def read_pairs(path):
    """A pairs table made elsewhere (for example by ``seisem pairs``), for ``build --pairs``.

    Needs ``station_code, source_id, source_origin_time, source_magnitude`` and the station
    coordinates; ``path_distance_km``, source coordinates and ``source_radius_km`` are kept
    when present (NaN otherwise). Origin times without a zone are read as UTC.

    Parameters
    ----------
    path : str or path-like
        The CSV file (as ``seisem pairs`` writes it; columns of :data:`PAIR_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`PAIR_COLUMNS`, ``source_origin_time`` tz-aware UTC, sorted by
        origin time, source id and station code.

    Raises
    ------
    ReadError
        The file does not exist, lacks a needed column, or holds an unparsable origin time.
    """

    path = os.fspath(path)
    if not os.path.exists(path):
        raise ReadError(f"pairs file {path!r} does not exist")
    df = pd.read_csv(
        path, dtype={"station_code": str, "source_id": str}, keep_default_na=False, na_values=[""]
    )
    need = ("station_code", "source_id", "source_origin_time", "source_magnitude")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ReadError(
            f"{path}: a pairs table needs the columns {list(need)} (as `seisem pairs` writes them); "
            f"missing {missing}, present {list(df.columns)}"
        )
    t = pd.to_datetime(df["source_origin_time"], format="ISO8601", errors="coerce")
    if t.dt.tz is None:
        t = t.dt.tz_localize("UTC")
    bad = t.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ReadError(f"{path}:{i + 2}: unparsable source_origin_time {df['source_origin_time'].iloc[i]!r}")
    df["source_origin_time"] = t.dt.tz_convert("UTC")
    for c in PAIR_COLUMNS:
        if c not in df.columns:
            df[c] = np.nan
    return (
        df[list(PAIR_COLUMNS)]
        .sort_values(["source_origin_time", "source_id", "station_code"], kind="stable")
        .reset_index(drop=True)
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
    excluded_near_other_event: int = 0  # see exclude_near_events
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "extra"}
        d.update(self.extra)
        return d


def event_day(times, tz) -> np.ndarray:
    """Calendar day (``datetime64[D]``) of each UTC instant in time zone ``tz``."""

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

    Parameters
    ----------
    pairs : DataFrame
        Station-event pairs (:func:`pair_events` or :func:`read_pairs`): ``station_code``,
        ``source_id``, ``source_origin_time``, ``source_magnitude``, ``path_distance_km`` and
        the station coordinates.
    before_days : int, default 14
        Calendar days before the event day labelled 1 ("before"); non-negative.
    after_days : int, default 14
        Calendar days after the event day labelled 0 ("after"); non-negative.
    tz : str, default "UTC"
        The time zone of the calendar days (``"+08:00"`` for the AETA network's China time;
        see :func:`seisem.io.parse_tz`): an event's day is the local date of its origin time.
    collision : {"drop", "before-wins", "nearest-event"}, default "drop"
        What becomes of a day claimed as both before and after (see above).

    Returns
    -------
    samples : DataFrame
        ``station_code, day, label, source_id`` (the primary event: nearest in time, then
        the largest magnitude), ``source_ids`` (all claiming events with this label,
        ``;``-joined), ``source_magnitude, source_origin_time, path_distance_km,
        day_offset`` (day minus the primary event's day), station coordinates.
    report : LabelReport
        The claims made, merged, excluded and resolved (``.to_dict()`` for the counts).

    Raises
    ------
    ParameterError
        An unknown ``collision``, or a day count that is not a non-negative integer.
    """

    check_choice("collision", collision, COLLISIONS)
    for name, val in (("before_days", before_days), ("after_days", after_days)):
        if not (isinstance(val, (int, np.integer)) and val >= 0):
            raise ParameterError(f"{name}={val!r} must be a non-negative integer number of days")
    rep = LabelReport(pairs=len(pairs))
    cols = list(SAMPLE_COLUMNS)
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


CONTRASTS = ("before-after", "before-background")


def background_days(
    pairs,
    *,
    min_days: int = 30,
    ratio: float | None = 1.0,
    n_before: int | None = None,
    tz: str = "UTC",
    seed: int = 0,
):
    """Event-free station-days as the negatives of the before-background contrast.

    At each paired station, every calendar day (in ``tz``) of the catalog's span (the first
    paired event's day less ``min_days`` to the last one's plus ``min_days``) whose distance to
    every event paired with that station is at least ``min_days`` days. ``ratio``: how many
    background days per before-day (``n_before``) are drawn, uniformly and seeded, over all
    stations; None: all of them. Days outside a station's data are dropped later by the build
    (``outside_data``), like claimed days.

    Returns rows in :func:`label_days`' columns: ``label`` 0, ``source_id`` and ``source_ids``
    ``"background"``, no magnitude, origin time or distance, ``day_offset`` the signed offset
    to the station's nearest paired event (``|day_offset| >= min_days``).
    """

    if not (isinstance(min_days, (int, np.integer)) and min_days >= 1):
        raise ParameterError(
            f"min_days={min_days!r} must be a positive integer number of days (--background-days)"
        )
    if ratio is not None and not (np.isfinite(ratio) and ratio > 0):
        raise ParameterError(
            f"ratio={ratio!r} must be a positive number of background days per before-day, or None"
        )
    cols = list(SAMPLE_COLUMNS)
    if len(pairs) == 0:
        return pd.DataFrame({c: [] for c in cols})
    eday = event_day(pairs["source_origin_time"], tz).astype(np.int64)
    lo, hi = int(eday.min()) - min_days, int(eday.max()) + min_days
    days = np.arange(lo, hi + 1)
    st = pairs["station_code"].astype(str).to_numpy()
    parts = []
    for code in sorted(set(st)):
        ev = np.unique(eday[st == code])
        # signed offset to the nearest event: day minus the event day of smallest |difference|
        diff = days[:, None] - ev[None, :]
        near = diff[np.arange(days.size), np.abs(diff).argmin(axis=1)]
        ok = np.abs(near) >= min_days
        first = pairs.loc[st == code].iloc[0]
        parts.append(
            pd.DataFrame(
                {
                    "station_code": code,
                    "day": days[ok].astype("datetime64[D]"),
                    "day_offset": near[ok].astype(int),
                    "station_latitude_deg": first.get("station_latitude_deg", np.nan),
                    "station_longitude_deg": first.get("station_longitude_deg", np.nan),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    if ratio is not None and n_before is not None:
        k = min(len(out), round(ratio * n_before))
        pick = np.sort(np.random.default_rng([int(seed), 0xB6]).choice(len(out), size=k, replace=False))
        out = out.iloc[pick].reset_index(drop=True)
    out["label"] = AFTER
    out["source_id"] = BACKGROUND
    out["source_ids"] = BACKGROUND
    out["source_magnitude"] = np.nan
    out["source_origin_time"] = pd.Series(pd.NaT, index=out.index, dtype=pairs["source_origin_time"].dtype)
    out["path_distance_km"] = np.nan
    return out[cols]


def exclude_near_events(
    samples,
    stations,
    catalog,
    *,
    days: int = 3,
    max_distance_km="dobrovolsky",
    min_magnitude: float = 3.6,
    tz: str = "UTC",
    method: str = "haversine",
):
    """Leave out samples near an event that reaches their station but does not label them.

    Samples within ``±days`` calendar days of an event that reaches the station under its
    own distance rule, and is not one of the sample's events, are left out.

    A day labelled "after" a small nearby event can be the day of a great earthquake farther
    away (MMB, 11 March 2011: the Mw 9.1 Tohoku earthquake 640 km away is within its
    Dobrovolsky radius of 8,200 km but beyond the paper's 75 km). Every event of ``catalog``
    with magnitude ``>= min_magnitude`` is given its radius by ``max_distance_km`` (a number,
    ``"dobrovolsky"`` or a callable, as for :func:`pair_events`); a sample is left out when
    such an event reaches its station, its calendar day (in ``tz``) is within ``days`` of the
    sample's day, and it is not one of the sample's ``source_ids``.

    Parameters
    ----------
    samples : DataFrame
        Labelled station-days (:func:`label_days`): ``station_code``, ``day``,
        ``source_ids``.
    stations : DataFrame
        The station list (:func:`seisem.io.read_stations`), for the stations' coordinates.
    catalog : DataFrame
        The whole catalog (:func:`seisem.io.read_catalog`), not only the paired events.
    days : int, default 3
        Calendar days on either side of an event's day that are left out; 0 leaves out the
        event day only. Non-negative.
    max_distance_km : float, "dobrovolsky" or callable, default "dobrovolsky"
        The distance rule that decides which events reach a station (as for
        :func:`pair_events`).
    min_magnitude : float, default 3.6
        Smallest magnitude of the events considered.
    tz : str, default "UTC"
        The time zone of the calendar days (as for :func:`label_days`).
    method : {"haversine", "geodesic"}, default "haversine"
        The distance (as for :func:`pair_events`).

    Returns
    -------
    kept : DataFrame
        The samples not left out, index reset.
    info : dict
        ``excluded`` (count), ``days``, ``rule``, and ``events``: the events responsible, largest
        first (id, magnitude, time, stations, samples left out), at most 20.
    """

    if not (isinstance(days, (int, np.integer)) and days >= 0):
        raise ParameterError(f"days={days!r} must be a non-negative integer number of days")
    rule_name = (
        max_distance_km
        if isinstance(max_distance_km, (str, int, float))
        else getattr(max_distance_km, "__name__", "callable")
    )
    info = {
        "excluded": 0,
        "days": int(days),
        "rule": str(rule_name),
        "min_magnitude": float(min_magnitude),
        "events": [],
    }
    if len(samples) == 0 or len(catalog) == 0:
        return samples, info
    codes = samples["station_code"].astype(str).unique()
    st = stations[stations["station_code"].astype(str).isin(codes)].drop_duplicates("station_code")
    reach = pair_events(
        st, catalog, min_magnitude=min_magnitude, max_distance_km=max_distance_km, method=method
    )
    if len(reach) == 0:
        return samples, info
    rday = event_day(reach["source_origin_time"], tz).astype(np.int64)
    by_station: dict = {}
    for code, d, sid in zip(
        reach["station_code"].astype(str), rday, reach["source_id"].astype(str), strict=True
    ):
        by_station.setdefault(code, []).append((d, sid))
    sday = np.asarray(samples["day"]).astype("datetime64[D]").astype(np.int64)
    drop = np.zeros(len(samples), bool)
    blame: dict = {}
    for i, (code, d, ids) in enumerate(
        zip(samples["station_code"].astype(str), sday, samples["source_ids"].astype(str), strict=True)
    ):
        own = set(ids.split(";"))
        for ed, sid in by_station.get(code, ()):
            if abs(int(d) - int(ed)) <= days and sid not in own:
                drop[i] = True
                blame.setdefault(sid, set()).add(code)
                blame.setdefault(("n", sid), [0])[0] += 1
                break
    info["excluded"] = int(drop.sum())
    if blame:
        ev = reach.drop_duplicates("source_id").set_index("source_id")
        rows = []
        for sid in [k for k in blame if isinstance(k, str)]:
            origin = pd.Timestamp(ev.loc[sid, "source_origin_time"])
            rows.append(
                {
                    "source_id": sid,
                    "source_magnitude": float(ev.loc[sid, "source_magnitude"]),
                    "source_origin_time": origin.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "stations": sorted(blame[sid]),
                    "samples_excluded": int(blame[("n", sid)][0]),
                }
            )
        rows.sort(key=lambda r: (-r["source_magnitude"], r["source_origin_time"]))
        info["events"] = rows[:20]
    return samples.loc[~drop].reset_index(drop=True), info
