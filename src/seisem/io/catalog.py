"""Earthquake catalogs and station lists, as pandas DataFrames with SeisBench-style columns.

Catalog columns: ``source_id``, ``source_origin_time`` (tz-aware UTC), ``source_latitude_deg``,
``source_longitude_deg``, ``source_depth_km``, ``source_magnitude``, ``source_magnitude_type``,
``source_place``. Station columns: ``station_code`` (str), ``station_latitude_deg``,
``station_longitude_deg``, ``station_name``, ``station_has_em`` (bool).
Every reader checks each row (time parses, latitude in [-90, 90], longitude in
[-180, 360), magnitude finite) and raises or drops-and-reports per ``errors``; longitudes
are returned in [-180, 180).

Layouts recognised without options: the AETA lists, USGS ComCat CSV, QuakeML, the China
Earthquake Networks Center (CENC) quick-report list (SpreadsheetML 2003 XML, whatever its
file name), and any CSV whose header uses common names (see :data:`CATALOG_ALIASES`,
:data:`STATION_ALIASES`: ``code``/``station``/``name``, ``lat``/``latitude``,
``lon``/``long``/``longitude``, ``time``/``origin_time``, ``mag``/``magnitude``, ``depth``,
``id``). Times without a zone are read in ``tz`` (UTC unless told otherwise) and the
report says so (``report.notes``).
"""

from __future__ import annotations

import os
import urllib.parse
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from .._errors import ParameterError, ReadError, check_choice, require
from ._csv import csv_frame
from ._report import ReadReport, check_errors
from ._time import UNIX_MAX, UNIX_MIN, parse_iso_times_zoned, parse_tz, tz_name
from .iaga2002 import read_iaga2002_header

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
CATALOG_FORMATS = ("auto", "aeta", "cenc", "comcat", "csv", "quakeml")
STATION_FORMATS = ("auto", "aeta", "csv")

#: Header names recognised for each catalog column (compared case-insensitively, with
#: spaces, dashes and dots read as underscores). The first match in this order wins.
CATALOG_ALIASES = {
    "source_origin_time": (
        "source_origin_time",
        "origin_time",
        "origintime",
        "time",
        "datetime",
        "date_time",
    ),
    "source_latitude_deg": ("source_latitude_deg", "latitude", "lat"),
    "source_longitude_deg": ("source_longitude_deg", "longitude", "lon", "long", "lng"),
    "source_magnitude": ("source_magnitude", "magnitude", "mag"),
    "source_depth_km": ("source_depth_km", "depth_km", "depth"),
    "source_id": ("source_id", "event_id", "eventid", "id"),
    "source_magnitude_type": ("source_magnitude_type", "magnitude_type", "magtype", "mag_type"),
    "source_place": ("source_place", "place", "location", "region"),
}
#: Header names recognised for each station column (see :data:`CATALOG_ALIASES`). ``name``
#: is the station code only when the file has no code column.
STATION_ALIASES = {
    "station_code": ("station_code", "code", "station", "station_id", "stationid", "iaga_code", "name"),
    "station_latitude_deg": ("station_latitude_deg", "latitude", "lat"),
    "station_longitude_deg": ("station_longitude_deg", "longitude", "lon", "long", "lng"),
    "station_name": ("station_name", "name", "title"),
    "station_has_em": ("station_has_em", "has_em", "em"),
}
#: Short keys accepted in ``columns=`` (and on the command line) for seisem's column names.
SHORT_KEYS = {
    "time": "source_origin_time",
    "mag": "source_magnitude",
    "magnitude": "source_magnitude",
    "depth": "source_depth_km",
    "id": "source_id",
    "mag_type": "source_magnitude_type",
    "place": "source_place",
    "code": "station_code",
    "name": "station_name",
    "has_em": "station_has_em",
}
#: Physically plausible ranges; rows outside are reported (dropped with errors="skip").
MAG_RANGE = (-3.0, 10.0)
DEPTH_RANGE = (-15.0, 800.0)  # km; an empty depth is allowed (NaN)
_CATALOG_REQUIRED = ("source_origin_time", "source_latitude_deg", "source_longitude_deg", "source_magnitude")
_STATION_REQUIRED = ("station_code", "station_latitude_deg", "station_longitude_deg")


def _norm_name(name: str) -> str:
    return "".join("_" if c in " -." else c for c in str(name).strip().lower())


def parse_columns(spec, kind: str) -> dict:
    """A column mapping from ``"key=COLUMN,key=COLUMN"`` text (the command line) or a dict.

    Parameters
    ----------
    spec : dict, str or None
        seisem's column names or short keys -> the file's column names, as a dict or as
        ``"time=OriginTime,mag=ML"`` text (pairs separated by commas, spaces around them
        ignored). Keys are seisem's names (``source_magnitude``, ``station_code``) or the
        short forms ``time, lat, lon, mag, depth, id, mag_type, place`` (catalogs) and
        ``code, lat, lon, name, has_em`` (stations). ``None``: no mapping.
    kind : {"catalog", "stations"}
        Which columns the keys may name (:data:`CATALOG_COLUMNS` or
        :data:`STATION_COLUMNS`); any other value is read as ``"stations"``.

    Returns
    -------
    dict
        seisem's column names -> the file's column names (empty for ``spec=None``).

    Raises
    ------
    ParameterError
        A text part without ``=``, a ``spec`` that is neither a dict nor text, or a key that
        names no column of ``kind``.
    """
    if spec is None:
        return {}
    if isinstance(spec, str):
        items = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            if "=" not in part:
                raise ParameterError(
                    f"--{kind}-columns {spec!r}: {part!r} is not key=COLUMN; write e.g. "
                    + ("'time=OriginTime,mag=ML'" if kind == "catalog" else "'code=Station,lat=Lat,lon=Lon'")
                )
            k, v = part.split("=", 1)
            items[k.strip()] = v.strip()
        spec = items
    if not isinstance(spec, dict):
        raise ParameterError(f"columns={spec!r} must be a dict or 'key=COLUMN,...' text")
    allowed = CATALOG_COLUMNS if kind == "catalog" else STATION_COLUMNS
    prefix = "source" if kind == "catalog" else "station"
    out = {}
    for k, v in spec.items():
        key = SHORT_KEYS.get(k, k)
        if key in ("lat", "latitude"):
            key = f"{prefix}_latitude_deg"
        elif key in ("lon", "long", "longitude"):
            key = f"{prefix}_longitude_deg"
        if key not in allowed:
            raise ParameterError(
                f"{kind} columns: unknown key {k!r}; use one of {list(allowed)} or the short forms "
                + (
                    "time, lat, lon, mag, depth, id, mag_type, place"
                    if kind == "catalog"
                    else "code, lat, lon, name, has_em"
                )
            )
        out[key] = v
    return out


def guess_columns(header, aliases, given=None) -> dict:
    """Map seisem's names to the columns of ``header`` by :data:`CATALOG_ALIASES` /
    :data:`STATION_ALIASES`; ``given`` (explicit choices) take precedence and their columns
    are not reused."""
    given = dict(given or {})
    normed = {}
    for col in header:
        normed.setdefault(_norm_name(col), col)
    used = set(given.values())
    out = dict(given)
    for key, names in aliases.items():
        if key in out:
            continue
        for n in names:
            col = normed.get(n)
            if col is not None and col not in used:
                out[key] = col
                used.add(col)
                break
    return out


def _read_csv(path, errors, need, what):
    """``(report, frame)``: the file as a DataFrame of str, checked line by line (see
    :mod:`seisem.io._csv`: undecodable lines and lines with the wrong number of fields are
    reported/raised there), with the columns ``need`` of ``what``."""
    require("pandas", "seisem", "reading catalogs and station lists")
    report = ReadReport(os.path.basename(os.fspath(path)))
    raw = csv_frame(path, report, errors)
    _need(raw, need, path, what)
    return report, raw


def _read_named_csv(path, columns, errors, *, kind, aliases, required, example):
    """``(report, frame, found)`` of a CSV read by its column names: ``columns`` (seisem's names
    or short keys to the file's, :func:`parse_columns`) and otherwise the common names of
    ``aliases``; ``found`` maps seisem's names to the file's. A ``required`` column not found
    raises, with ``example`` saying how to name it."""
    given = parse_columns(columns, kind)
    report, raw = _read_csv(path, errors, list(given.values()), "the columns named in columns=")
    found = guess_columns(raw.columns, aliases, given)
    missing = [k for k in required if k not in found]
    if missing:
        raise ParameterError(
            f"{path}: no column found for {missing} (header: {list(raw.columns)}); columns= must map at least "
            f"{required} — {example}"
        )
    report.note("columns used: " + ", ".join(f"{k}<-{v}" for k, v in found.items()))
    return report, raw, found


def _one_file(path, what: str, itself: str, option: str) -> str:
    """``path`` as text; :class:`ReadError` unless it names an existing file (not a folder)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ReadError(f"{what} file {path!r} does not exist")
    if os.path.isdir(path):
        raise ReadError(
            f"{what} file {path!r} is a folder; give the {itself} itself (command line: {option})"
        )
    return path


def _header(path) -> list:
    """The first line's comma-separated names (for telling a layout apart)."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        return [c.strip() for c in fh.readline().split(",")]


def _need(df, cols, path, what):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ReadError(
            f"{path}: missing column(s) {missing} for {what}; columns present: {list(df.columns)}. "
            "Name your columns with columns={'time': ..., 'lat': ...} (command line: "
            "--catalog-columns / --stations-columns 'time=YourTime,lat=YourLat,...')"
        )


def _numbers(series):

    return pd.to_numeric(series.str.strip(), errors="coerce").to_numpy(dtype=np.float64)


def _check_rows(report, df, raw, checks, errors):
    """Drop (or raise on) rows failing any of ``checks`` (name -> bad mask); return the kept frame."""
    bad = np.zeros(len(df), bool)
    lines = raw.attrs.get("lines")
    line = (lambda i: int(lines[i])) if lines is not None and len(lines) == len(raw) else (lambda i: i + 2)
    if errors == "raise":  # stop at the first bad row in file order
        first = [(int(np.flatnonzero(m)[0]), r) for r, m in checks.items() if np.any(m)]
        if first:
            i, reason = min(first)
            report.drop(line(i), reason, ",".join(raw.iloc[i].astype(str)), errors)
    for reason, mask in checks.items():
        for i in np.flatnonzero(mask & ~bad):
            report.drop(line(i), reason, ",".join(raw.iloc[i].astype(str)), errors)
        bad |= mask
    report.rows_read += len(df)  # plus the lines the CSV layer already dropped
    report.rows_kept = int((~bad).sum())
    out = df.loc[~bad].reset_index(drop=True)
    report.finish()
    out.attrs["report"] = report
    return out


def _finish_catalog(
    report, raw, *, ids, times, lat, lon, depth, mag, mag_type, place, errors, extra_checks=None
):

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
        f"magnitude outside [{MAG_RANGE[0]}, {MAG_RANGE[1]}]": np.isfinite(mag)
        & ~((mag >= MAG_RANGE[0]) & (mag <= MAG_RANGE[1])),
        f"depth outside [{DEPTH_RANGE[0]}, {DEPTH_RANGE[1]}] km": np.isinf(np.asarray(depth, float))
        | (
            np.isfinite(np.asarray(depth, float))
            & ~((np.asarray(depth, float) >= DEPTH_RANGE[0]) & (np.asarray(depth, float) <= DEPTH_RANGE[1]))
        ),
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


# The readers below share the layout of their docstrings (a kept pair, shape only): each documents its own
# parameters; the shared rules are _finish_catalog, _finish_stations and _check_rows.
def read_aeta_catalog(path, *, errors: str = "raise"):
    """The AETA competition earthquake list (``eqlst.csv``).

    ``Timestamp`` (Unix seconds) gives the origin time; ``Time`` is the same instant in
    local time (UTC+8, ``DD/MM/YYYY H:MM``) and is cross-checked: rows where the two
    disagree by a minute or more are inconsistent and raise or are dropped and reported.
    ``source_id`` is ``"aeta<Timestamp>"``; ``Location`` becomes ``source_place``; the list
    has no depth (NaN) nor magnitude type.

    Parameters
    ----------
    path : str or path-like
        The earthquake list (CSV with at least ``Longitude, Latitude, Magnitude, Timestamp``).
    errors : {"raise", "skip"}, default "raise"
        As for :func:`read_catalog`: a bad row raises, or is skipped and counted.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_catalog` returns it, with ``df.attrs["report"]``.
    """
    check_errors(errors)

    report, raw = _read_csv(
        path, errors, ("Longitude", "Latitude", "Magnitude", "Timestamp"), "an AETA earthquake list"
    )
    ts = _numbers(raw["Timestamp"])
    ts = np.where((ts >= UNIX_MIN) & (ts < UNIX_MAX), ts, np.nan)  # 1990-2100, else unparsable
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
    """A USGS ComCat CSV (``time, latitude, longitude, depth, mag, magType, ..., id, ..., place``).

    Times are ISO 8601 (ComCat writes them in UTC with a ``Z``; times without a zone are read
    as UTC and the report says so). Without an ``id`` column the ids are ``"row<k>"``.

    Parameters
    ----------
    path : str or path-like
        The CSV file, as the ComCat search or ``seisem fetch catalog`` writes it.
    errors : {"raise", "skip"}, default "raise"
        As for :func:`read_catalog`: a bad row raises, or is skipped and counted.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_catalog` returns it, with ``df.attrs["report"]``.
    """
    check_errors(errors)

    report, raw = _read_csv(path, errors, ("time", "latitude", "longitude", "mag"), "a ComCat CSV")
    empty = pd.Series([""] * len(raw))
    return _finish_catalog(
        report,
        raw,
        ids=raw["id"] if "id" in raw.columns else "row" + pd.Series(range(len(raw))).astype(str),
        times=_local_times(raw["time"].str.strip(), "UTC", None, report),
        lat=_numbers(raw["latitude"]),
        lon=_numbers(raw["longitude"]),
        depth=_numbers(raw["depth"]) if "depth" in raw.columns else np.full(len(raw), np.nan),
        mag=_numbers(raw["mag"]),
        mag_type=raw.get("magType", empty),
        place=raw.get("place", empty),
        errors=errors,
    )


def _event_ids(prefix, times, lat, lon):
    """Stable event ids from origin time (UTC, to the second) and location (0.01 degree)."""

    t = pd.DatetimeIndex(times).strftime("%Y%m%dT%H%M%S").fillna("NaT")
    # built as Python text: with pyarrow installed pandas stores strings in Arrow, where an empty
    # float Series does not concatenate with text
    return pd.Series(
        [
            f"{prefix}{a}_{b:+.2f}_{c:+.2f}"
            for a, b, c in zip(t, np.round(lat, 2), np.round(lon, 2), strict=True)
        ],
        dtype=str,
    )


def _local_times(text, tz, time_format, report, what="origin times"):
    """Parse time text; naive times are local times in ``tz`` (the report says so)."""

    text = pd.Series(text).astype(str).str.strip()
    if time_format is None:  # strict ISO 8601, row by row: partial dates are not completed
        times, zoned = parse_iso_times_zoned(text, tz)
        if not zoned.all():
            report.note(
                f"{what} have no time zone: read as {tz_name(tz)} (pass tz= / --catalog-tz otherwise)"
            )
        return pd.Series(pd.DatetimeIndex(times).tz_localize("UTC"), index=text.index)
    try:
        local = pd.to_datetime(text, format=time_format, errors="coerce")
    except (ValueError, TypeError, OverflowError):  # mixed zone offsets
        try:
            local = pd.to_datetime(text, format=time_format, errors="coerce", utc=True)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ParameterError(f"time_format={time_format!r} cannot read these times: {exc}") from exc
    if getattr(local.dt, "tz", None) is None:
        local = local.dt.tz_localize(parse_tz(tz), ambiguous="NaT", nonexistent="NaT")
        report.note(f"{what} have no time zone: read as {tz_name(tz)} (pass tz= / --catalog-tz otherwise)")
    return local.dt.tz_convert("UTC")


def read_catalog_csv(
    path,
    *,
    columns: dict | str | None = None,
    tz: str = "UTC",
    time_format: str | None = None,
    unix_time: bool = False,
    errors: str = "raise",
):
    """A generic catalog CSV, read by its column names.

    Required: origin time, latitude, longitude, magnitude. Without an id column, ids are
    made from time and location (``"ev<YYYYmmddTHHMMSS>_<lat>_<lon>"``, UTC, 0.01 degree).

    Parameters
    ----------
    path : str or path-like
        The CSV file (header line first).
    columns : dict or str, optional
        seisem's names (or the short keys ``time, lat, lon, mag, depth, id, mag_type,
        place``) -> your column names, as a dict or as ``"time=OriginTime,mag=ML"`` text
        (:func:`parse_columns`); columns not named are found by the common names of
        :data:`CATALOG_ALIASES` (``time``, ``origin_time``, ``lat``, ``latitude``, ``lon``,
        ``longitude``, ``mag``, ``magnitude``, ``depth``, ``id`` ...).
    tz : str, default "UTC"
        Time zone of origin times written without one: ``"UTC"``, an offset (``"+08:00"``,
        ``"UTC+8"``) or an IANA name (``"Asia/Shanghai"``), as :func:`parse_tz`. The report
        notes the assumption; times with a zone or offset keep theirs.
    time_format : str, optional
        A :func:`~datetime.datetime.strptime` format of the times (``"%d/%m/%Y %H:%M"``);
        by default strict ISO 8601 (``YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|+hh:mm]``, partial
        dates refused).
    unix_time : bool, default False
        The time column holds Unix seconds (UTC; 1990 to 2100) instead of text; ``tz`` and
        ``time_format`` are then not used.
    errors : {"raise", "skip"}, default "raise"
        As for :func:`read_catalog`: a bad row raises, or is skipped and counted.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_catalog` returns it, with ``df.attrs["report"]``.

    Raises
    ------
    ParameterError
        A bad ``tz`` or ``columns``, a required column not found, or a ``time_format`` that
        cannot read the times.
    """
    check_errors(errors)

    parse_tz(tz)  # a bad tz fails before the file is read
    report, raw, columns = _read_named_csv(
        path,
        columns,
        errors,
        kind="catalog",
        aliases=CATALOG_ALIASES,
        required=_CATALOG_REQUIRED,
        example="name them, e.g. columns={'time': 'OriginTime', 'mag': 'ML'} or on the command line "
        "--catalog-columns 'time=OriginTime,mag=ML'",
    )
    tcol = raw[columns["source_origin_time"]].str.strip()
    if unix_time:
        secs = _numbers(tcol)
        secs = np.where((secs >= UNIX_MIN) & (secs < UNIX_MAX), secs, np.nan)
        times = pd.to_datetime(secs, unit="s", utc=True, errors="coerce")
    else:
        times = _local_times(tcol, tz, time_format, report)
    empty = pd.Series([""] * len(raw))
    col = lambda k: raw[columns[k]] if k in columns else None  # noqa: E731
    lat = _numbers(col("source_latitude_deg"))
    lon = _numbers(col("source_longitude_deg"))
    ids = col("source_id") if "source_id" in columns else _event_ids("ev", times, lat, lon)
    return _finish_catalog(
        report,
        raw,
        ids=ids,
        times=times,
        lat=lat,
        lon=lon,
        depth=_numbers(col("source_depth_km")) if "source_depth_km" in columns else np.full(len(raw), np.nan),
        mag=_numbers(col("source_magnitude")),
        mag_type=col("source_magnitude_type") if "source_magnitude_type" in columns else empty,
        place=col("source_place") if "source_place" in columns else empty,
        errors=errors,
    )


_SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"
#: CENC header texts (substrings) -> our names
_CENC_HEADERS = {
    "发震时刻": "time",
    "震级": "mag",
    "纬度": "lat",
    "经度": "lon",
    "深度": "depth",
    "参考位置": "place",
}


def _is_spreadsheetml(path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(2048)
    return b"<Workbook" in head and _SS_NS.encode() in head


def _spreadsheetml_rows(path):
    """Rows of the first worksheet of a SpreadsheetML 2003 file, as lists of cell text."""

    ns = "{" + _SS_NS + "}"
    rows = []
    done = False
    try:
        for _, el in ET.iterparse(os.fspath(path), events=("end",)):
            if el.tag == ns + "Row" and done:
                el.clear()
            elif el.tag == ns + "Row":
                cells = []
                for cell in el.findall(ns + "Cell"):
                    idx = cell.get(ns + "Index")
                    if idx is not None:  # skipped (empty) cells
                        try:
                            n = int(idx)
                        except ValueError:
                            n = -1
                        if not len(cells) < n <= 256:
                            raise ReadError(
                                f"{path}: row {len(rows) + 1}: ss:Index={idx!r} is not a cell position "
                                f"after {len(cells)} (1..256)"
                            )
                        cells.extend([""] * (n - 1 - len(cells)))
                    data = cell.find(ns + "Data")
                    cells.append("" if data is None or data.text is None else data.text.strip())
                rows.append(cells)
                el.clear()
            elif el.tag == ns + "Worksheet":
                done = True  # rows of later worksheets are not read, but the whole file must parse:
                # a file cut or damaged after the first worksheet is an error, not a shorter list
    except ET.ParseError as exc:
        raise ReadError(f"{path}: not readable SpreadsheetML (XML error: {exc})") from exc
    except (LookupError, UnicodeError, ValueError) as exc:  # e.g. an unknown encoding= declaration
        raise ReadError(f"{path}:1: not readable SpreadsheetML ({type(exc).__name__}: {exc})") from exc
    return rows


def read_cenc_catalog(path, *, errors: str = "raise"):
    """The China Earthquake Networks Center quick-report list (``eqList-day.xls``).

    The file is SpreadsheetML 2003 XML whatever its extension says; header row
    发震时刻 (origin time, Beijing time UTC+8), 震级(M), 纬度(°), 经度(°), 深度(千米), 参考位置.
    Times are converted to UTC; numbers stored as strings are accepted; ``source_id`` is
    ``"cenc<UTC time YYYYmmddTHHMMSS>_<lat>_<lon>"`` (stable: made from time and location,
    not from the row number, which changes as the list grows); ``source_magnitude_type`` is
    ``"M"`` (CENC's reported magnitude).

    Parameters
    ----------
    path : str or path-like
        The SpreadsheetML file (as downloaded from the CENC web site). Only its first
        worksheet is read; cells are completed only where optional (depth, place).
    errors : {"raise", "skip"}, default "raise"
        As for :func:`read_catalog`: a bad row raises, or is skipped and counted.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_catalog` returns it, with ``df.attrs["report"]``.
    """
    check_errors(errors)

    rows = _spreadsheetml_rows(path)
    if not rows:
        raise ReadError(f"{path}: the SpreadsheetML file has no rows")
    head = rows[0]
    where = {}
    for i, h in enumerate(head):
        for key, name in _CENC_HEADERS.items():
            if key in h and name not in where:
                where[name] = i
    missing = [
        key
        for key, name in _CENC_HEADERS.items()
        if name in ("time", "mag", "lat", "lon") and name not in where
    ]
    if missing:
        raise ReadError(
            f"{path}: SpreadsheetML without the CENC header cell(s) {missing} (header row: {head}); "
            "export the list as CSV and pass columns= instead"
        )
    body = rows[1:]
    width = len(head)
    report = ReadReport(os.path.basename(os.fspath(path)))
    # SpreadsheetML omits trailing empty cells: a short row is completed with empty cells only
    # where those are optional (depth, place); a row missing a required cell, or longer than
    # the header, is a bad row (never completed or cut).
    need = max(where[n] for n in ("time", "mag", "lat", "lon")) + 1
    good, lines = [], []
    for i, r in enumerate(body):
        if len(r) > width or len(r) < need:
            report.rows_read += 1
            report.drop(i + 2, f"row has {len(r)} cells, the header {width}", ",".join(r), errors)
            continue
        good.append(r + [""] * (width - len(r)))
        lines.append(i + 2)
    raw = pd.DataFrame(good, columns=head, dtype=str) if good else pd.DataFrame(columns=head, dtype=str)
    raw.attrs["lines"] = np.asarray(lines, dtype=np.int64)
    get = lambda n: raw.iloc[:, where[n]] if n in where else pd.Series([""] * len(raw))  # noqa: E731
    local = pd.to_datetime(get("time").str.strip(), format="%Y-%m-%d %H:%M:%S", errors="coerce")
    times = local.dt.tz_localize(parse_tz("+08:00")).dt.tz_convert("UTC")
    report.note("origin times are Beijing time (UTC+8): converted to UTC")
    lat, lon = _numbers(get("lat")), _numbers(get("lon"))
    out = _finish_catalog(
        report,
        raw,
        ids=_event_ids("cenc", times, lat, lon),
        times=times,
        lat=lat,
        lon=lon,
        depth=_numbers(get("depth")),
        mag=_numbers(get("mag")),
        mag_type="M",
        place=get("place"),
        errors=errors,
    )
    return out


def event_id(resource_id: str) -> str:
    """A short event id from a QuakeML resource id (USGS ``...?eventid=us7000abcd&format=quakeml``,
    ISC ``smi:ISC/evid=600516598``, EMSC ``quakeml:eu.emsc/event/20170919_0000091``)."""
    rid = str(resource_id)
    query = urllib.parse.urlsplit(rid).query if "?" in rid else ""
    for key in ("eventid", "evid"):
        values = urllib.parse.parse_qs(query).get(key)
        if values:
            return values[0]
        if f"{key}=" in rid and "?" not in rid:
            return rid.split(f"{key}=", 1)[1].split("&", 1)[0]
    return rid.rstrip("/").split("/")[-1]


def read_quakeml(path, *, errors: str = "raise"):
    """A QuakeML file through ObsPy (preferred origin and magnitude of each event).

    Needs the optional dependency ObsPy (``pip install 'seisem[obspy]'``). An event without
    a preferred origin or magnitude takes its first one; depths are converted from metres to
    km; ``source_id`` is the short event id of the resource id (USGS ``eventid``, ISC
    ``evid``, else its last path part).

    Parameters
    ----------
    path : str or path-like
        The QuakeML file.
    errors : {"raise", "skip"}, default "raise"
        As for :func:`read_catalog`: a bad row raises, or is skipped and counted.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_catalog` returns it, with ``df.attrs["report"]``.
    """
    check_errors(errors)

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
                "id": event_id(ev.resource_id),
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
    path,
    *,
    format: str = "auto",
    columns: dict | str | None = None,
    tz: str = "UTC",
    errors: str = "raise",
):
    """Read a catalog, detecting the layout when ``format="auto"``.

    A SpreadsheetML 2003 file (detected from its content, whatever the extension) is the
    CENC quick-report list; ``.xml``/``.quakeml``/``.qml`` files are QuakeML; a CSV with
    ``Timestamp`` and ``Magnitude`` is an AETA list; one with ``time``, ``latitude``,
    ``mag`` is ComCat; any other CSV is read by its column names (common names are
    recognised, ``columns=`` names the rest; naive times are read in ``tz``, UTC by
    default, and the report says so). Bad rows raise :class:`ReadError` naming the file
    and line with ``errors="raise"``, or are dropped and counted in
    ``df.attrs["report"]`` with ``errors="skip"``.

    Parameters
    ----------
    path : str or path-like
        The catalog file (not a folder).
    format : {"auto", "aeta", "cenc", "comcat", "csv", "quakeml"}, default "auto"
        The layout: detected as above, or :func:`read_aeta_catalog`,
        :func:`read_cenc_catalog`, :func:`read_comcat_csv`, :func:`read_catalog_csv` or
        :func:`read_quakeml`. ``"auto"`` with ``columns`` reads the file as ``"csv"``.
    columns : dict or str, optional
        Column names for the generic CSV layout (see :func:`read_catalog_csv`); ignored by
        the other layouts.
    tz : str, default "UTC"
        Time zone of naive times in the generic CSV layout (see :func:`read_catalog_csv`).
        The other layouts know theirs: AETA lists give Unix seconds, CENC lists Beijing time
        (UTC+8), ComCat and QuakeML times carry their zone.
    errors : {"raise", "skip"}, default "raise"
        A bad row (such as an unparsable origin time, a latitude outside [-90, 90], a longitude
        outside [-180, 360), a magnitude that is not a number or outside [-3, 10], a depth
        outside [-15, 800] km, a repeated ``source_id``) raises :class:`~seisem.ReadError`
        naming the file and line, or (``"skip"``) is dropped and counted by reason in
        ``df.attrs["report"]``.

    Returns
    -------
    pandas.DataFrame
        One row per event, sorted by origin time, in the columns of :data:`CATALOG_COLUMNS`
        (``source_origin_time`` tz-aware UTC, longitudes in [-180, 180), depth in km, NaN
        where unknown); ``df.attrs["report"]`` is the :class:`ReadReport`.

    Raises
    ------
    ReadError
        The file does not exist, is a folder, its layout cannot be told from its header, or
        (``errors="raise"``) a row is bad.
    ParameterError
        An unknown ``format``, or a bad ``columns`` or ``tz``.
    """
    check_choice("format", format, CATALOG_FORMATS)
    path = _one_file(path, "catalog", "catalog file", "--catalog")
    if format == "auto":
        if _is_spreadsheetml(path):
            format = "cenc"
        elif path.lower().endswith((".xml", ".quakeml", ".qml")):
            format = "quakeml"
        elif columns:
            format = "csv"
        else:
            head = _header(path)
            if {"Timestamp", "Magnitude"} <= set(head):
                format = "aeta"
            elif {"time", "latitude", "longitude", "mag"} <= set(head):
                format = "comcat"
            elif all(k in guess_columns(head, CATALOG_ALIASES) for k in _CATALOG_REQUIRED):
                format = "csv"
            else:
                raise ReadError(
                    f"{path}: cannot tell the catalog layout from its header {head}; name the columns: "
                    "columns={'time': ..., 'lat': ..., 'lon': ..., 'mag': ...} (command line: "
                    "--catalog-columns 'time=T,lat=LA,lon=LO,mag=M'), or pass format='aeta'/'comcat'/"
                    "'quakeml'/'cenc'"
                )
    if format == "aeta":
        return read_aeta_catalog(path, errors=errors)
    if format == "cenc":
        return read_cenc_catalog(path, errors=errors)
    if format == "comcat":
        return read_comcat_csv(path, errors=errors)
    if format == "quakeml":
        return read_quakeml(path, errors=errors)
    return read_catalog_csv(path, columns=columns, tz=tz, errors=errors)


def _finish_stations(report, raw, required, *, name, has_em, errors, extra_checks=None):
    """The station list from ``raw``, its code, latitude and longitude in the columns named
    ``required``; rows failing a check dropped (or raised on) per ``errors``."""
    code, lat, lon = raw[required[0]], _numbers(raw[required[1]]), _numbers(raw[required[2]])
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
    """The AETA station list (``StationInfo.csv``).

    The file is UTF-8 with a BOM, with the columns ``Title, StationID, Longitude, Latitude,
    MagnData, ...``.
    ``station_code`` is ``StationID``, ``station_name`` is ``Title`` and ``station_has_em``
    comes from ``MagnData`` (``True``/``False``, ``1``/``0``, ``yes``/``no``; all True
    without that column).

    Parameters
    ----------
    path : str or path-like
        The station list.
    errors : {"raise", "skip"}, default "raise"
        As for :func:`read_stations`: a bad row raises, or is skipped and counted.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_stations` returns it, with ``df.attrs["report"]``.
    """
    check_errors(errors)

    report, raw = _read_csv(path, errors, ("StationID", "Longitude", "Latitude"), "an AETA station list")
    has_em, bad = _bool(raw["MagnData"]) if "MagnData" in raw.columns else (np.ones(len(raw), bool), None)
    return _finish_stations(
        report,
        raw,
        ("StationID", "Latitude", "Longitude"),
        name=raw.get("Title", pd.Series([""] * len(raw))),
        has_em=has_em,
        errors=errors,
        extra_checks={"MagnData is not True/False": bad} if bad is not None else None,
    )


def read_stations_csv(path, *, columns: dict | str | None = None, errors: str = "raise"):
    """A generic station CSV, read by its column names.

    Parameters
    ----------
    path : str or path-like
        The CSV file (header line first).
    columns : dict or str, optional
        ``station_code``, ``station_latitude_deg``, ``station_longitude_deg`` (required),
        ``station_name``, ``station_has_em`` (optional), or the short keys ``code, lat, lon,
        name, has_em`` -> your column names, as a dict or as ``"code=Station,lat=Lat"`` text
        (:func:`parse_columns`); columns not named are found by common names
        (:data:`STATION_ALIASES`: ``code``/``station``/``name``, ``lat``/``latitude``,
        ``lon``/``long``/``longitude``). Without a ``has_em`` column every station counts as
        having electromagnetic data.
    errors : {"raise", "skip"}, default "raise"
        As for :func:`read_stations`: a bad row raises, or is skipped and counted.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_stations` returns it, with ``df.attrs["report"]``.
    """
    check_errors(errors)

    report, raw, columns = _read_named_csv(
        path,
        columns,
        errors,
        kind="stations",
        aliases=STATION_ALIASES,
        required=_STATION_REQUIRED,
        example="e.g. columns={'code': 'Station', 'lat': 'Lat', 'lon': 'Lon'} or on the command line "
        "--stations-columns 'code=Station,lat=Lat,lon=Lon'",
    )
    has_em = (
        _bool(raw[columns["station_has_em"]])[0] if "station_has_em" in columns else np.ones(len(raw), bool)
    )
    name = raw[columns["station_name"]] if "station_name" in columns else pd.Series([""] * len(raw))
    return _finish_stations(
        report,
        raw,
        [columns[k] for k in _STATION_REQUIRED],
        name=name,
        has_em=has_em,
        errors=errors,
    )


def read_stations(path, *, format: str = "auto", columns: dict | str | None = None, errors: str = "raise"):
    """Read a station list: the AETA layout or a CSV read by its column names.

    The AETA layout is detected by a ``StationID`` column; other CSVs are read by their
    column names (common names recognised, ``columns=`` names the rest).

    Parameters
    ----------
    path : str or path-like
        The station list file (not a folder).
    format : {"auto", "aeta", "csv"}, default "auto"
        The layout: :func:`read_aeta_stations`, :func:`read_stations_csv`, or detected from
        the header (``"auto"``; with ``columns`` given, ``"csv"``).
    columns : dict or str, optional
        Column names for the CSV layout (see :func:`read_stations_csv`).
    errors : {"raise", "skip"}, default "raise"
        A bad row (bad coordinates, an empty or repeated code) raises :class:`~seisem.ReadError`
        naming the file and line, or (``"skip"``) is dropped and counted by reason in
        ``df.attrs["report"]``.

    Returns
    -------
    pandas.DataFrame
        One row per station in the columns of :data:`STATION_COLUMNS` (longitudes in
        [-180, 180)); ``df.attrs["report"]`` is the :class:`ReadReport`.

    Raises
    ------
    ReadError
        The file does not exist, is a folder, or its layout cannot be told from its header.
    ParameterError
        An unknown ``format``, or ``columns`` that name no column of a station list.
    """
    check_choice("format", format, STATION_FORMATS)
    path = _one_file(path, "station", "station list file", "--stations")
    if format == "auto" and not columns:
        head = _header(path)
        if "StationID" in head:
            format = "aeta"
        elif not all(k in guess_columns(head, STATION_ALIASES) for k in _STATION_REQUIRED):
            raise ReadError(
                f"{path}: cannot tell the station-list layout from its header {head}; name the columns: "
                "columns={'code': ..., 'lat': ..., 'lon': ...} (command line: --stations-columns "
                "'code=C,lat=LA,lon=LO')"
            )
    if format == "aeta":
        return read_aeta_stations(path, errors=errors)
    return read_stations_csv(path, columns=columns, errors=errors)


def stations_from_iaga2002(files, *, errors: str = "raise"):
    """A station list from the headers of IAGA-2002 files, for IAGA data given without one.

    Each station's row holds its IAGA code, geodetic latitude and longitude and name.

    Parameters
    ----------
    files : sequence of str or path-like
        IAGA-2002 files (only their headers are read, :func:`read_iaga2002_header`). Files
        of one station must agree on its coordinates (to 0.001 degree); the first file of
        each station gives its row.
    errors : {"raise", "skip"}, default "raise"
        As for :func:`read_stations`: a bad row raises, or is skipped and counted.

    Returns
    -------
    pandas.DataFrame
        As :func:`read_stations` returns it, with ``df.attrs["report"]``.

    Raises
    ------
    ReadError
        A file that is not IAGA-2002, or two files of one station with different coordinates.
    """

    rows, seen = [], {}
    for f in files:
        h = read_iaga2002_header(f)
        code = str(h.get("station_code") or "").strip()
        lat, lon = h.get("latitude"), h.get("longitude")
        row = {
            "code": code,
            "lat": "" if lat is None else str(lat),
            "lon": "" if lon is None else str(lon),
            "name": str(h.get("station_name") or ""),
            "file": os.path.basename(os.fspath(f)),
        }
        if code in seen:
            a = seen[code]
            if (
                abs(float(a["lat"] or "nan") - float(row["lat"] or "nan")) < 1e-3
                and abs(float(a["lon"] or "nan") - float(row["lon"] or "nan")) < 1e-3
            ):
                continue
            raise ReadError(
                f"{row['file']}: station {code} at ({row['lat']}, {row['lon']}) but {a['file']} puts it at "
                f"({a['lat']}, {a['lon']}); pass a station list (--stations) to say which is right"
            )
        seen[code] = row
        rows.append(row)
    raw = pd.DataFrame(rows, columns=["code", "lat", "lon", "name", "file"], dtype=str)
    report = ReadReport("IAGA-2002 headers")
    report.note(f"station coordinates from the headers of {len(files)} IAGA-2002 file(s)")
    return _finish_stations(
        report,
        raw,
        ("code", "lat", "lon"),
        name=raw["name"],
        has_em=np.ones(len(raw), bool),
        errors=errors,
    )
