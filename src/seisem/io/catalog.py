"""Earthquake catalogs and station lists, as pandas DataFrames with SeisBench-style columns.

Catalog columns: ``source_id``, ``source_origin_time`` (tz-aware UTC), ``source_latitude_deg``,
``source_longitude_deg``, ``source_depth_km``, ``source_magnitude``, ``source_magnitude_type``,
``source_place``. Station columns: ``station_code`` (str), ``station_latitude_deg``,
``station_longitude_deg``, ``station_name``, ``station_has_em`` (bool).
Every reader checks each row (time parses, latitude in [-90, 90], longitude in
[-180, 360), magnitude finite) and raises or drops-and-reports per ``errors``; longitudes
are returned in [-180, 180).
"""

from __future__ import annotations

import os

import numpy as np

from .._errors import ParameterError, ReadError, check_choice, require
from ._report import ReadReport, check_errors
from ._time import parse_tz

CATALOG_COLUMNS = (
    "source_id",
    "source_origin_time",
    "source_latitude_deg",
    "source_longitude_deg",
    "source_depth_km",
    "source_magnitude",
    "source_magnitude_type",
    "source_place",
)
STATION_COLUMNS = (
    "station_code",
    "station_latitude_deg",
    "station_longitude_deg",
    "station_name",
    "station_has_em",
)
CATALOG_FORMATS = ("auto", "aeta", "comcat", "csv", "quakeml")
STATION_FORMATS = ("auto", "aeta", "csv")


def _read_csv(path, report_name):
    pd = require("pandas", "seisem", "reading catalogs and station lists")
    try:
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
        )
    except pd.errors.EmptyDataError as exc:
        raise ReadError(f"{path}: the file is empty") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ReadError(f"{path}: not a readable CSV file: {exc}") from exc


def _need(df, cols, path, what):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ReadError(
            f"{path}: missing column(s) {missing} for {what}; columns present: {list(df.columns)}. "
            "For another layout use format='csv' with columns={...} naming yours"
        )


def _numbers(series):
    import pandas as pd

    return pd.to_numeric(series.str.strip(), errors="coerce").to_numpy(dtype=np.float64)


def _check_rows(report, df, raw, checks, errors):
    """Drop (or raise on) rows failing any of ``checks`` (name -> bad mask); return the kept frame."""
    bad = np.zeros(len(df), bool)
    if errors == "raise":  # stop at the first bad row in file order
        first = [(int(np.flatnonzero(m)[0]), r) for r, m in checks.items() if np.any(m)]
        if first:
            i, reason = min(first)
            report.drop(i + 2, reason, ",".join(raw.iloc[i].astype(str)), errors)
    for reason, mask in checks.items():
        for i in np.flatnonzero(mask & ~bad):
            report.drop(i + 2, reason, ",".join(raw.iloc[i].astype(str)), errors)
        bad |= mask
    report.rows_read = len(df)
    report.rows_kept = int((~bad).sum())
    out = df.loc[~bad].reset_index(drop=True)
    report.finish()
    out.attrs["report"] = report
    return out


def _finish_catalog(
    report, raw, *, ids, times, lat, lon, depth, mag, mag_type, place, errors, extra_checks=None
):
    import pandas as pd

    lon = np.where(lon >= 180.0, lon - 360.0, lon)
    df = pd.DataFrame(
        {
            "source_id": ids,
            "source_origin_time": times,
            "source_latitude_deg": lat,
            "source_longitude_deg": lon,
            "source_depth_km": depth,
            "source_magnitude": mag,
            "source_magnitude_type": mag_type,
            "source_place": place,
        }
    )
    checks = {
        "unparsable origin time": pd.isna(df["source_origin_time"]).to_numpy(),
        "latitude outside [-90, 90]": ~(np.abs(lat) <= 90),
        "longitude outside [-180, 360)": ~((lon >= -180) & (lon < 180)),
        "magnitude not a number": ~np.isfinite(mag),
        **(extra_checks or {}),
    }
    out = _check_rows(report, df, raw, checks, errors)
    dup = out["source_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        for i in np.flatnonzero(dup):
            report.drop(None, "duplicate source_id", str(out["source_id"].iloc[i]), errors)
        report.rows_kept -= int(dup.sum())
        out = out.loc[~dup].reset_index(drop=True)
        out.attrs["report"] = report
    return out.sort_values(["source_origin_time", "source_id"], kind="stable").reset_index(drop=True)


def read_aeta_catalog(path, *, errors: str = "raise"):
    """The AETA competition earthquake list (``eqlst.csv``).

    ``Timestamp`` (Unix seconds) gives the origin time; ``Time`` is the same instant in
    local time (UTC+8, ``DD/MM/YYYY H:MM``) and is cross-checked: rows where the two
    disagree by a minute or more are inconsistent and raise or are dropped and reported.
    ``source_id`` is ``"aeta<Timestamp>"``.
    """
    check_errors(errors)
    import pandas as pd

    raw = _read_csv(path, "catalog")
    _need(raw, ("Longitude", "Latitude", "Magnitude", "Timestamp"), path, "an AETA earthquake list")
    report = ReadReport(os.path.basename(os.fspath(path)))
    ts = _numbers(raw["Timestamp"])
    times = pd.to_datetime(ts, unit="s", utc=True, errors="coerce")
    extra = {}
    if "Time" in raw.columns:
        local = pd.to_datetime(raw["Time"].str.strip(), format="%d/%m/%Y %H:%M", errors="coerce")
        local_utc = local.dt.tz_localize(parse_tz("+08:00")).dt.tz_convert("UTC")
        diff = np.abs((local_utc - pd.Series(times)).dt.total_seconds().to_numpy())
        extra["Time (UTC+8) and Timestamp disagree"] = ~(diff < 60) & np.isfinite(ts)
    return _finish_catalog(
        report,
        raw,
        ids="aeta" + raw["Timestamp"].str.strip(),
        times=times,
        lat=_numbers(raw["Latitude"]),
        lon=_numbers(raw["Longitude"]),
        depth=np.full(len(raw), np.nan),
        mag=_numbers(raw["Magnitude"]),
        mag_type="",
        place=raw.get("Location", pd.Series([""] * len(raw))),
        errors=errors,
        extra_checks=extra,
    )


def read_comcat_csv(path, *, errors: str = "raise"):
    """A USGS ComCat CSV (``time, latitude, longitude, depth, mag, magType, ..., id, ..., place``)."""
    check_errors(errors)
    import pandas as pd

    raw = _read_csv(path, "catalog")
    _need(raw, ("time", "latitude", "longitude", "mag"), path, "a ComCat CSV")
    report = ReadReport(os.path.basename(os.fspath(path)))
    empty = pd.Series([""] * len(raw))
    return _finish_catalog(
        report,
        raw,
        ids=raw["id"] if "id" in raw.columns else "row" + pd.Series(range(len(raw))).astype(str),
        times=pd.to_datetime(raw["time"].str.strip(), utc=True, errors="coerce", format="ISO8601"),
        lat=_numbers(raw["latitude"]),
        lon=_numbers(raw["longitude"]),
        depth=_numbers(raw["depth"]) if "depth" in raw.columns else np.full(len(raw), np.nan),
        mag=_numbers(raw["mag"]),
        mag_type=raw.get("magType", empty),
        place=raw.get("place", empty),
        errors=errors,
    )


def read_catalog_csv(
    path,
    *,
    columns: dict,
    tz: str = "UTC",
    time_format: str | None = None,
    unix_time: bool = False,
    errors: str = "raise",
):
    """A generic catalog CSV with a column mapping.

    ``columns`` maps our names to yours; required: ``source_origin_time``,
    ``source_latitude_deg``, ``source_longitude_deg``, ``source_magnitude``; optional:
    ``source_id``, ``source_depth_km``, ``source_magnitude_type``, ``source_place``.
    Times are read as local times in ``tz`` (``"UTC"`` by default, ``"+08:00"``,
    ``"Asia/Shanghai"``), or as Unix seconds with ``unix_time=True``.
    """
    check_errors(errors)
    import pandas as pd

    if not isinstance(columns, dict):
        raise ParameterError(
            "columns= must be a dict mapping seisem names (e.g. 'source_magnitude') to the CSV's column names"
        )
    unknown = set(columns) - set(CATALOG_COLUMNS)
    if unknown:
        raise ParameterError(f"columns= has unknown key(s) {sorted(unknown)}; allowed: {CATALOG_COLUMNS}")
    req = ("source_origin_time", "source_latitude_deg", "source_longitude_deg", "source_magnitude")
    if any(k not in columns for k in req):
        raise ParameterError(f"columns= must map at least {req}")
    raw = _read_csv(path, "catalog")
    _need(raw, list(columns.values()), path, "the mapping given in columns=")
    report = ReadReport(os.path.basename(os.fspath(path)))
    tcol = raw[columns["source_origin_time"]].str.strip()
    if unix_time:
        times = pd.to_datetime(_numbers(tcol), unit="s", utc=True, errors="coerce")
    else:
        local = pd.to_datetime(tcol, format=time_format, errors="coerce")
        if getattr(local.dt, "tz", None) is None:
            local = local.dt.tz_localize(parse_tz(tz))
        times = local.dt.tz_convert("UTC")
    empty = pd.Series([""] * len(raw))
    col = lambda k: raw[columns[k]] if k in columns else None  # noqa: E731
    ids = col("source_id") if "source_id" in columns else "row" + pd.Series(range(len(raw))).astype(str)
    return _finish_catalog(
        report,
        raw,
        ids=ids,
        times=times,
        lat=_numbers(col("source_latitude_deg")),
        lon=_numbers(col("source_longitude_deg")),
        depth=_numbers(col("source_depth_km")) if "source_depth_km" in columns else np.full(len(raw), np.nan),
        mag=_numbers(col("source_magnitude")),
        mag_type=col("source_magnitude_type") if "source_magnitude_type" in columns else empty,
        place=col("source_place") if "source_place" in columns else empty,
        errors=errors,
    )


def read_quakeml(path, *, errors: str = "raise"):
    """A QuakeML file through ObsPy (preferred origin and magnitude of each event)."""
    check_errors(errors)
    import pandas as pd

    obspy = require("obspy", "obspy", "reading QuakeML")
    try:
        cat = obspy.read_events(os.fspath(path))
    except Exception as exc:
        raise ReadError(f"{path}: ObsPy could not read it as QuakeML: {exc}") from exc
    rows = []
    for ev in cat:
        org = ev.preferred_origin() or (ev.origins[0] if ev.origins else None)
        mag = ev.preferred_magnitude() or (ev.magnitudes[0] if ev.magnitudes else None)
        rows.append(
            {
                "id": str(ev.resource_id).split("/")[-1].split("=")[-1],
                "time": str(org.time) if org is not None and org.time is not None else "",
                "lat": "" if org is None or org.latitude is None else str(org.latitude),
                "lon": "" if org is None or org.longitude is None else str(org.longitude),
                "depth": "" if org is None or org.depth is None else str(org.depth / 1000.0),
                "mag": "" if mag is None else str(mag.mag),
                "mtype": "" if mag is None else (mag.magnitude_type or ""),
                "place": ev.event_descriptions[0].text if ev.event_descriptions else "",
            }
        )
    raw = pd.DataFrame(
        rows, columns=["id", "time", "lat", "lon", "depth", "mag", "mtype", "place"], dtype=str
    )
    report = ReadReport(os.path.basename(os.fspath(path)))
    return _finish_catalog(
        report,
        raw,
        ids=raw["id"],
        times=pd.to_datetime(raw["time"], utc=True, errors="coerce", format="ISO8601"),
        lat=_numbers(raw["lat"]),
        lon=_numbers(raw["lon"]),
        depth=_numbers(raw["depth"]),
        mag=_numbers(raw["mag"]),
        mag_type=raw["mtype"],
        place=raw["place"],
        errors=errors,
    )


def read_catalog(
    path, *, format: str = "auto", columns: dict | None = None, tz: str = "UTC", errors: str = "raise"
):
    """Read a catalog, detecting the layout when ``format="auto"``.

    ``.xml``/``.quakeml`` files are QuakeML; a CSV with ``Timestamp`` and ``Magnitude`` is an
    AETA list; one with ``time``, ``latitude``, ``mag`` is ComCat; anything else needs
    ``format="csv"`` and ``columns=``.
    """
    check_choice("format", format, CATALOG_FORMATS)
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ReadError(f"catalog file {path!r} does not exist")
    if format == "auto":
        if path.lower().endswith((".xml", ".quakeml", ".qml")):
            format = "quakeml"
        elif columns:
            format = "csv"
        else:
            with open(path, encoding="utf-8-sig", errors="replace") as fh:
                head = [c.strip() for c in fh.readline().split(",")]
            if {"Timestamp", "Magnitude"} <= set(head):
                format = "aeta"
            elif {"time", "latitude", "longitude", "mag"} <= set(head):
                format = "comcat"
            else:
                raise ReadError(
                    f"{path}: cannot tell the catalog layout from its header {head}; pass "
                    "format='csv' with columns={...}, or format='aeta'/'comcat'/'quakeml'"
                )
    if format == "aeta":
        return read_aeta_catalog(path, errors=errors)
    if format == "comcat":
        return read_comcat_csv(path, errors=errors)
    if format == "quakeml":
        return read_quakeml(path, errors=errors)
    if columns is None:
        raise ParameterError("format='csv' needs columns={...} mapping seisem names to the CSV's columns")
    return read_catalog_csv(path, columns=columns, tz=tz, errors=errors)


def _finish_stations(report, raw, *, code, lat, lon, name, has_em, errors, extra_checks=None):
    import pandas as pd

    lon = np.where(lon >= 180.0, lon - 360.0, lon)
    df = pd.DataFrame(
        {
            "station_code": code.astype(str).str.strip().to_numpy(),
            "station_latitude_deg": lat,
            "station_longitude_deg": lon,
            "station_name": name,
            "station_has_em": has_em,
        }
    )
    checks = {
        "empty station code": (df["station_code"] == "").to_numpy(),
        "latitude outside [-90, 90]": ~(np.abs(lat) <= 90),
        "longitude outside [-180, 360)": ~((lon >= -180) & (lon < 180)),
        "duplicate station code": df["station_code"].duplicated(keep="first").to_numpy(),
        **(extra_checks or {}),
    }
    return _check_rows(report, df, raw, checks, errors)


def _bool(series):
    s = series.astype(str).str.strip().str.lower()
    bad = ~s.isin(["true", "false", "1", "0", "yes", "no", ""])
    return s.isin(["true", "1", "yes"]).to_numpy(), bad.to_numpy()


def read_aeta_stations(path, *, errors: str = "raise"):
    """The AETA station list (``StationInfo.csv``: UTF-8 with BOM; ``Title, StationID,
    Longitude, Latitude, MagnData, ...``). ``station_has_em`` comes from ``MagnData``."""
    check_errors(errors)
    import pandas as pd

    raw = _read_csv(path, "stations")
    _need(raw, ("StationID", "Longitude", "Latitude"), path, "an AETA station list")
    report = ReadReport(os.path.basename(os.fspath(path)))
    has_em, bad = _bool(raw["MagnData"]) if "MagnData" in raw.columns else (np.ones(len(raw), bool), None)
    return _finish_stations(
        report,
        raw,
        code=raw["StationID"],
        lat=_numbers(raw["Latitude"]),
        lon=_numbers(raw["Longitude"]),
        name=raw.get("Title", pd.Series([""] * len(raw))),
        has_em=has_em,
        errors=errors,
        extra_checks={"MagnData is not True/False": bad} if bad is not None else None,
    )


def read_stations_csv(path, *, columns: dict, errors: str = "raise"):
    """A generic station CSV; ``columns`` maps ``station_code``, ``station_latitude_deg``,
    ``station_longitude_deg`` (required), ``station_name``, ``station_has_em`` (optional)."""
    check_errors(errors)
    import pandas as pd

    if not isinstance(columns, dict):
        raise ParameterError(
            "columns= must be a dict mapping seisem names (e.g. 'station_code') to the CSV's column names"
        )
    req = ("station_code", "station_latitude_deg", "station_longitude_deg")
    unknown = set(columns) - set(STATION_COLUMNS)
    if unknown or any(k not in columns for k in req):
        raise ParameterError(f"columns= must map at least {req} (allowed keys: {STATION_COLUMNS})")
    raw = _read_csv(path, "stations")
    _need(raw, list(columns.values()), path, "the mapping given in columns=")
    report = ReadReport(os.path.basename(os.fspath(path)))
    has_em = (
        _bool(raw[columns["station_has_em"]])[0] if "station_has_em" in columns else np.ones(len(raw), bool)
    )
    name = raw[columns["station_name"]] if "station_name" in columns else pd.Series([""] * len(raw))
    return _finish_stations(
        report,
        raw,
        code=raw[columns["station_code"]],
        lat=_numbers(raw[columns["station_latitude_deg"]]),
        lon=_numbers(raw[columns["station_longitude_deg"]]),
        name=name,
        has_em=has_em,
        errors=errors,
    )


def read_stations(path, *, format: str = "auto", columns: dict | None = None, errors: str = "raise"):
    """Read a station list: the AETA layout (detected by ``StationID``), or a generic CSV
    with ``columns=``, or one already using seisem's column names."""
    check_choice("format", format, STATION_FORMATS)
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ReadError(f"station file {path!r} does not exist")
    if format == "auto" and columns is None:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            head = [c.strip() for c in fh.readline().split(",")]
        if "StationID" in head:
            format = "aeta"
        elif {"station_code", "station_latitude_deg", "station_longitude_deg"} <= set(head):
            columns = {c: c for c in STATION_COLUMNS if c in head}
        else:
            raise ReadError(
                f"{path}: cannot tell the station-list layout from its header {head}; pass "
                "format='csv' with columns={...}"
            )
    if format == "aeta":
        return read_aeta_stations(path, errors=errors)
    if columns is None:
        raise ParameterError("format='csv' needs columns={...} mapping seisem names to the CSV's columns")
    return read_stations_csv(path, columns=columns, errors=errors)
