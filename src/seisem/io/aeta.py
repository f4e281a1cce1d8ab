"""AETA network files: per-station feature CSVs, and the paper's raw exports.

The AETA competition distributed one file per station, ``<StationID>_magn.csv``, with
columns ``StationID``, ``TimeStamp`` (Unix seconds, UTC) and ``magn@<feature>`` (for
example ``magn@abs_mean``, ``magn@var``, ``magn@power``), one row per 10 minutes or per
minute. The station list (``StationInfo.csv``) and the earthquake list (``eqlst.csv``)
are read by :mod:`seisem.io.catalog`.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._errors import ParameterError, ReadError, require
from ._csv import arrow_body, csv_frame, plain_text, read_bytes, split_lines
from ._report import ReadReport, check_errors
from ._time import UNIX_MAX, UNIX_MIN, parse_iso_times, unix_to_datetime64

#: Largest magnitude accepted as a feature value: anything beyond (1e300, inf) is a corrupt
#: field, reported and dropped in skip mode, never kept.
VALUE_MAX = 1e15

_NONNEG = (0.0, VALUE_MAX)
_SIGNED = (-VALUE_MAX, VALUE_MAX)
_KURT = (-3.0, VALUE_MAX)

#: The values each AETA feature can take, ``(low, high)`` inclusive, by the name after the
#: ``@`` (so ``magn@var`` and ``sound@var`` share a domain). A value outside is reported and
#: dropped (``errors="skip"``) or raises; an empty or NaN field is a missing value, kept as NaN.
#:
#: * amplitudes of absolute values (``abs_mean``, ``abs_max``, ``abs_max_top5p``, their
#:   wavelet-level and ULF forms), variances, powers and band powers, energies and their
#:   spreads and maxima (``*_energy_sstd``, ``*_energy_smax``), the frequency moments and the
#:   spectral entropy are never negative;
#: * skewness is signed;
#: * kurtosis is the excess kurtosis (the real files hold values down to -1.76), which is
#:   >= -2 for any distribution and >= -2 - 4/(n-3) for the bias-corrected estimator of
#:   n samples: -3 admits every window of 7 samples or more;
#: * ``ulf_abs_max``, ``ulf_abs_max_top5p`` and ``ulf_abs_max_top10p`` are signed despite
#:   their names: in the real files they are negative in most rows (down to -0.0092 at
#:   station 204 in December 2020), the extreme of the ULF-filtered signal, not of its
#:   absolute value.
#:
#: Every domain is also bounded by :data:`VALUE_MAX`. A feature not listed here is checked
#: against +-:data:`VALUE_MAX` only (and the report notes it).
FEATURE_DOMAINS = {
    "var": _NONNEG,
    "power": _NONNEG,
    "skew": _SIGNED,
    "kurt": _KURT,
    "abs_max": _NONNEG,
    "abs_mean": _NONNEG,
    "abs_max_top5p": _NONNEG,
    "abs_max_top10p": _NONNEG,
    "energy_sstd": _NONNEG,
    "energy_smax": _NONNEG,
    **dict.fromkeys(
        (f"power_{b}" for b in "0_5 5_10 10_15 15_20 20_25 25_30 30_35 35_40 40_60 140_160 other".split()),
        _NONNEG,
    ),
    "frequency_center": _NONNEG,
    "mean_square_frequency": _NONNEG,
    "variance_frequency": _NONNEG,
    "frequency_entropy": _NONNEG,
    **dict.fromkeys(
        (
            f"{lv}_{w}"
            for lv in ("level4d", "level5d", "level6a", "level6d")
            for w in ("abs_mean", "energy", "energy_smax", "energy_sstd")
        ),
        _NONNEG,
    ),
    "ulf_abs_mean": _NONNEG,
    "ulf_var": _NONNEG,
    "ulf_power": _NONNEG,
    "ulf_skew": _SIGNED,
    "ulf_kurt": _KURT,
    "ulf_abs_max": _SIGNED,
    "ulf_abs_max_top5p": _SIGNED,
    "ulf_abs_max_top10p": _SIGNED,
    "ulf_energy_sstd": _NONNEG,
    "ulf_energy_smax": _NONNEG,
}

FILE_PATTERN = re.compile(r"^(?P<station>[^_/\\]+)_magn\.csv$")


@dataclass
class StationSeries:
    """A station's samples as read: UTC times (``datetime64[ns]``), float64 values, metadata.

    Returned by :func:`read_aeta_features`, :func:`read_raw_export` and
    :func:`~seisem.io.read_obspy`; :func:`seisem.data.regularize` puts it on a regular grid.

    Parameters
    ----------
    station_code : str
        The station's code (AETA ``StationID``, the raw export's station, the ObsPy station).
    times : numpy.ndarray of datetime64[ns]
        The samples' time stamps in UTC, one per value (a reader may keep duplicates: see the
        reader).
    values : numpy.ndarray of float64
        The samples, in the file's units; NaN marks a missing value.
    channel : str, default ""
        What the values are: the feature column (``"magn@abs_mean"``), ``"raw"``, or the
        SEED channel code of an ObsPy trace.
    meta : dict, default {}
        What else the reader found: ``feature`` (AETA), ``file``, ``source_magnitude`` and
        ``path_distance_km`` (raw exports), ``network``, ``location`` and
        ``sampling_rate`` in Hz (ObsPy).
    report : ReadReport, optional
        The rows read, kept and dropped by reason.
    """

    station_code: str
    times: np.ndarray
    values: np.ndarray
    channel: str = ""
    meta: dict = field(default_factory=dict)
    report: ReadReport | None = field(default=None, repr=False)

    def to_series(self):

        return pd.Series(
            self.values,
            index=pd.DatetimeIndex(self.times, name="time").tz_localize("UTC"),
            name=f"{self.station_code}_{self.channel}" if self.channel else self.station_code,
        )


def feature_column(feature: str) -> str:
    """``"abs_mean"`` or ``"magn@abs_mean"`` -> ``"magn@abs_mean"``."""
    if not isinstance(feature, str) or not feature:
        raise ParameterError(f"feature={feature!r} must name an AETA feature such as 'abs_mean'")
    return feature if "@" in feature else f"magn@{feature}"


def feature_domain(column: str):
    """``(low, high)`` for a feature column (see :data:`FEATURE_DOMAINS`); ``None`` if unknown."""
    return FEATURE_DOMAINS.get(column.split("@", 1)[-1])


_ID, _TS = "StationID", "TimeStamp"


def read_aeta_features(
    path: str | os.PathLike, *, feature: str = "abs_mean", station: str | None = None, errors: str = "raise"
) -> StationSeries:
    """Read one AETA ``<StationID>_magn.csv`` feature file.

    Parameters
    ----------
    path : str or path-like
        The feature file.
    feature : str, default "abs_mean"
        The feature column, with or without the ``magn@`` prefix.
    station : str, optional
        The expected station id; by default taken from the file name. Rows of another
        station are dropped (and reported) or raise, per ``errors``.
    errors : {"raise", "skip"}, default "raise"
        Stop at the first bad row with :class:`~seisem.ReadError` naming the line, or drop
        bad rows and count them in ``result.report``. Bad rows: those with a missing or
        unparsable time stamp or value, a value outside the
        feature's domain (:data:`FEATURE_DOMAINS`), another station's id, or a last line
        without a line end whose last field is one of the columns read (it may be cut).

    Returns
    -------
    StationSeries
        Times in UTC, sorted; duplicated time stamps are kept here and resolved by
        :func:`seisem.data.regularize`, which reports them.

    Notes
    -----
    Only ``StationID``, ``TimeStamp`` and the feature are converted. A well-formed file
    (UTF-8, unquoted, every line with the header's fields, a line end after the last
    line, every row valid) is parsed by pyarrow's CSV reader; any other file is read line
    by line, which reports each bad row. Both give the same values.
    """
    check_errors(errors)
    require("pandas", "seisem", "reading AETA files")
    path = os.fspath(path)
    name = os.path.basename(path)
    if station is None:
        m = FILE_PATTERN.match(name)
        station = m.group("station") if m else None
    col = feature_column(feature)
    report = ReadReport(name)
    domain = feature_domain(col)
    if domain is None:
        domain = _SIGNED
        report.note(f"{col}: no known domain; values checked against +-{VALUE_MAX:g} only")
    data = read_bytes(path)
    fast = _read_clean(data, col, station, domain)
    if fast is not None:  # a well-formed file: pyarrow's numbers, checked column-wise
        t, v, ids = fast
        report.rows_read = report.rows_kept = t.size
        if station is None and ids:
            station = ids[0]
    else:
        t, v, station = _read_checked(path, data, col, station, domain, report, errors)
    order = np.argsort(t, kind="stable")
    return StationSeries(
        "" if station is None else str(station),
        t[order],
        v[order],
        channel=col,
        meta={"feature": col},
        report=report.finish(),
    )


def _read_checked(path, data, col, station, domain, report, errors):
    """Every line on its own (see :mod:`seisem.io._csv`): each bad row is reported or raises."""

    df = csv_frame(path, report, errors, data)  # undecodable lines, short/long rows: reported there
    lines = df.attrs["lines"]
    missing = [c for c in (_ID, _TS, col) if c not in df.columns]
    if missing:
        feats = [c for c in df.columns if c.startswith("magn@")]
        raise ReadError(
            f"{path}: missing column(s) {missing}; an AETA feature file has StationID, TimeStamp "
            f"and magn@<feature> columns (features here: {feats})"
        )
    report.rows_read += len(df)
    ts = pd.to_numeric(df[_TS].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    vals = np.array(
        pd.to_numeric(df[col].str.strip().replace({"": "nan"}), errors="coerce"), dtype=np.float64
    )
    raw_vals = df[col].str.strip().str.lower()
    ok = (ts >= UNIX_MIN) & (ts < UNIX_MAX)  # NaN fails too; a truncated 1482621966 -> 14 fails
    missing_value = raw_vals.isin(["", "nan", "null", "none"]).to_numpy()
    vals[missing_value] = np.nan
    bad_value = ~missing_value & ~(np.abs(vals) <= VALUE_MAX)
    lo, hi = domain
    outside = ~missing_value & ~bad_value & ~((vals >= lo) & (vals <= hi))
    ids = df[_ID].str.strip().to_numpy()
    other = np.zeros(len(df), bool) if station is None else ids != str(station)
    # a last line without a line end may have been cut inside its last field: when that field
    # is one of the columns read, the row is not trusted ("42,1577836920,0.3" may be "0.35")
    cut = np.zeros(len(df), bool)
    if not data.endswith(b"\n") and len(df) and df.columns[-1] in (_ID, _TS, col):
        if int(lines[-1]) == data.count(b"\n") + 1:
            cut[-1] = True
    truncated = f"truncated last line (no line end; its last field, {df.columns[-1]}, may be cut)"
    for i in np.flatnonzero(~ok | bad_value | outside | other | cut):
        reason = (
            truncated
            if cut[i]
            else "unparsable TimeStamp"
            if not np.isfinite(ts[i])
            else "TimeStamp outside 1990-2100"
            if not ok[i]
            else f"unparsable {col}"
            if not np.isfinite(vals[i]) and not np.isinf(vals[i])
            else f"{col} not finite or beyond {VALUE_MAX:g}"
            if bad_value[i]
            else f"{col} outside the feature's domain [{lo:g}, {hi:g}]"
            if outside[i]
            else f"StationID {ids[i]!r} is not {station!r}"
        )
        report.drop(int(lines[i]), reason, ",".join(df.iloc[i].astype(str)), errors)
    keep = ok & ~bad_value & ~outside & ~other & ~cut
    if station is None and keep.any():
        station = str(ids[keep][0])
    report.rows_kept = int(keep.sum())
    return unix_to_datetime64(ts[keep]), vals[keep], station


_BOM = b"\xef\xbb\xbf"


def _read_clean(data, col, station, domain):
    """Times, values and the distinct station ids of a clean file, or ``None`` (then the
    checked path reads it and reports what is wrong).

    Clean means: UTF-8, no quotes, CR only as part of CRLF, no line longer than the csv
    module's field limit, a header naming each column once, every line with the header's
    number of fields (pyarrow raises otherwise), a line end after the last line, time stamps numbers in 1990-2100, values numbers within the
    feature's domain or empty, one station id (the expected one). Only the three columns are
    converted; the text of the others is only tokenized.
    """
    if not data.endswith(b"\n") or b'"' in data:
        return None
    if not plain_text(data):
        return None
    begin = len(_BOM) if data.startswith(_BOM) else 0
    nl = data.find(b"\n", begin)
    head = data[begin:nl].rstrip(b"\r").decode("utf-8")
    if not head.strip():  # blank lines before the header
        return None
    try:
        names = [n.strip() for n in next(csv.reader([head], skipinitialspace=True, strict=True))]
    except (csv.Error, StopIteration):
        return None
    if len(set(names)) != len(names) or not {_ID, _TS, col} <= set(names):
        return None
    if nl + 1 == len(data):  # the header alone
        return np.zeros(0, "datetime64[ns]"), np.zeros(0), []
    table = arrow_body(
        data,
        nl,
        names,
        blank_lines=True,
        include_columns=[_ID, _TS, col],
        column_types={_ID: pa.string(), _TS: pa.float64(), col: pa.float64()},
        null_values=[""],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    if table is None:  # a wrong field count, a non-number
        return None
    ts = table[_TS]
    if ts.null_count:
        return None
    ts = ts.to_numpy()
    if not ((ts >= UNIX_MIN) & (ts < UNIX_MAX)).all():
        return None
    v = table[col]
    vals = v.to_numpy(zero_copy_only=False)  # nulls (empty fields) -> NaN: missing values
    if int(np.isnan(vals).sum()) != v.null_count:  # "nan" text: the checked path decides
        return None
    lo, hi = domain
    if (vals < lo).any() or (vals > hi).any():
        return None
    ids = sorted({str(u).strip() for u in pc.unique(table[_ID]).to_pylist()})
    if len(ids) > 1 or (ids and station is not None and ids[0] != str(station)):
        return None
    return unix_to_datetime64(ts), vals, ids


#: Default patterns for :func:`read_raw_export`: ``M<mag>`` and ``<dist>km`` in the file
#: name, or ``magnitude: <mag>`` / ``distance: <dist> km`` header lines.
NAME_PATTERN = (
    r"(?P<station>[A-Za-z0-9]+)[_-].*?M(?P<magnitude>\d+(?:\.\d+)?)[_-].*?(?P<distance>\d+(?:\.\d+)?)\s*km"
)
HEADER_PATTERN = (
    r"(?i)^\s*#?\s*(?:(?:magnitude|mag|M)\s*[:=]\s*(?P<magnitude>\d+(?:\.\d+)?)|"
    r"(?:distance|dist|epicentral[_ ]distance)\s*[:=]\s*(?P<distance>\d+(?:\.\d+)?)\s*(?:km)?|"
    r"(?:station)\s*[:=]\s*(?P<station>\S+)|(?:start)\s*[:=]\s*(?P<start>\S+(?:[ T]\S+)?))\s*$"
)


#: Values accepted in a raw export unless ``value_range=`` says otherwise. The exports hold a
#: station's electromagnetic samples in the recorder's units: nT (the geomagnetic field is
#: below 7e4 nT everywhere, its variations far less), mV from induction coils or electrodes, or
#: counts of a 24-bit digitiser (+-8,388,608). +-1e7 admits all of these, like the F10.2 fields
#: of IAGA-2002 (:data:`seisem.io.iaga2002.VALUE_RANGE`); a larger magnitude (-99999999999, two
#: numbers run together, 1e300) is a corrupt field, reported and never kept.
RAW_VALUE_RANGE = (-1e7, 1e7)


def _number(text):
    """A decimal number, or ``None`` (``float`` also reads ``inf``, ``1_0``: refused here)."""
    if not _NUMBER.match(text):
        return None
    return float(text)


_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_SEPARATORS = re.compile(r"[,;\t]")


def _raw_time(text, tz):
    """Unix seconds (1990-2100) or a strict ISO 8601 time -> UTC ``datetime64[ns]`` (NaT if neither)."""
    x = _number(text)
    if x is not None:
        if not UNIX_MIN <= x < UNIX_MAX:
            return np.datetime64("NaT", "ns")
        return unix_to_datetime64([x])[0]
    return parse_iso_times([text], tz)[0]


def _value_range(value_range):
    try:
        lo, hi = (float(x) for x in value_range)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"value_range={value_range!r} must be two finite numbers (low, high) with low < high, "
            f"e.g. {RAW_VALUE_RANGE}"
        ) from exc
    return lo, hi


def read_raw_export(
    path: str | os.PathLike,
    *,
    name_pattern: str | None = NAME_PATTERN,
    header_pattern: str | None = HEADER_PATTERN,
    interval_s: float = 60.0,
    start: str | None = None,
    tz: str = "UTC",
    value_range: tuple = RAW_VALUE_RANGE,
    errors: str = "raise",
) -> StationSeries:
    """Read a raw single-series export whose magnitude and distance sit in its name or header.

    The seed paper's exports carry the event's magnitude and epicentral distance in the
    file name or in header lines; regular expressions with named groups ``magnitude``,
    ``distance`` (km), optionally ``station`` and ``start`` extract them. Header lines
    start with ``#`` or match ``header_pattern``; data lines are either ``value`` or
    ``time,value`` (ISO time or Unix seconds), whichever most data lines are.

    Values only: every line after the header is one sample slot, ``interval_s`` after the
    one before, the first at ``start``. A bad line (blank, undecodable, not one number, a
    value outside ``value_range``, a ``#`` line that holds just a number) is a bad sample:
    it raises, or (``errors="skip"``) is dropped and reported while its slot stays empty,
    so every later sample keeps its own time. Blank lines after the last sample are ignored.

    A last line without a line end may have been cut inside its value (``3.25`` read as
    ``3.2``): it is reported as truncated and never kept; end a complete file with a newline.

    Parameters
    ----------
    path : path-like
        The export file.
    name_pattern : str or None, default :data:`NAME_PATTERN`
        Regular expression searched in the file name; its named groups ``station``,
        ``magnitude`` and ``distance`` (km) are taken. The default reads names such as
        ``ST01_2020-03-01_M4.5_30km.txt``. ``None``: the name is not read.
    header_pattern : str or None, default :data:`HEADER_PATTERN`
        Regular expression matched against each header line; named groups ``magnitude``,
        ``distance``, ``station`` and ``start``. The default reads ``# magnitude: 4.5``,
        ``# distance: 30 km``, ``# station: ST01`` and ``# start: 2020-03-01 00:00``
        (``mag``/``M``, ``dist``/``epicentral distance``, ``=`` for ``:`` and no ``#``
        also accepted). Two header lines that give one key different values raise; where
        the file name and the header both give a value, the file name's is kept.
        ``None``: only ``#`` lines are header, and they are not read.
    interval_s : float, default 60.0
        Seconds between samples of a values-only file (ignored when the lines hold times).
    start : str, optional
        Time of the first sample of a values-only file (ISO 8601, ``"YYYY-MM-DD HH:MM"``);
        by default the header's ``start``. A values-only file without either raises.
    tz : str, default "UTC"
        Time zone of ``start`` and of ISO times without an offset (``"UTC"``, ``"+08:00"``
        or an IANA name, as :func:`parse_tz`); Unix seconds are UTC.
    value_range : (float, float), default :data:`RAW_VALUE_RANGE`
        The plausible values (inclusive), +-1e7; widen it for exports in other units.
    errors : {"raise", "skip"}, default "raise"
        A bad line raises :class:`~seisem.ReadError` naming the file and line, or is dropped
        and counted in the result's ``report``.

    Returns
    -------
    StationSeries
        The station from the name or header (else the file name without its extension),
        UTC times, float64 values; ``meta["source_magnitude"]`` and
        ``meta["path_distance_km"]`` when found.
    """
    check_errors(errors)

    path = os.fspath(path)
    name = os.path.basename(path)
    report = ReadReport(name)
    meta: dict = {}

    said: dict = {}  # key -> (line, value) of header lines

    def take(m, no=None):
        for key, val in m.groupdict().items():
            if val is None:
                continue
            if no is not None:  # two header lines that disagree: which one holds is not ours to guess
                if key in said and said[key][1] != val:
                    raise ReadError(
                        f"{path}:{no}: header gives {key} {val!r}, but line {said[key][0]} gave "
                        f"{said[key][1]!r}; keep one of them"
                    )
                said.setdefault(key, (no, val))
            if key not in meta:
                meta[key] = val

    if name_pattern:
        m = re.search(name_pattern, name)
        if m:
            take(m)
    if not (
        isinstance(interval_s, (int, float))
        and not isinstance(interval_s, bool)
        and np.isfinite(interval_s)
        and interval_s > 0
    ):
        raise ParameterError(f"interval_s={interval_s!r} must be a finite number of seconds > 0")
    lo, hi = _value_range(value_range)
    hdr = re.compile(header_pattern) if header_pattern else None
    lines, ends = split_lines(read_bytes(path))
    texts = []  # stripped text, or None where the line does not decode
    for _no, raw in lines:
        try:
            texts.append(raw.decode("utf-8").strip())
        except UnicodeDecodeError:
            texts.append(None)

    def commented_number(line):  # "#12.5": a sample commented out or corrupted, not a header
        return line.startswith("#") and _number(line[1:].strip()) is not None

    # the header: leading '#' lines and header-pattern lines (blank lines among them ignored)
    first = 0  # the first data line
    last_header = -1
    while first < len(texts):
        line = texts[first]
        if line is None or (line and not line.startswith("#") and not (hdr and hdr.match(line))):
            break
        if line and not commented_number(line):
            m = hdr.match(line) if hdr is not None else None
            if m:
                take(m, lines[first][0])
            last_header = first
        first += 1
    counts = Counter(len(_SEPARATORS.split(t)) for t in texts[first:] if t)
    lead = next((len(_SEPARATORS.split(t)) for t in texts[first:] if t), 1)
    mode = 2 if counts[2] > counts[1] or (counts[2] == counts[1] and lead == 2) else 1
    # values only: the slots start right after the header, so a blank or commented-out first
    # sample keeps its slot instead of moving every later sample one slot earlier
    body = list(range(last_header + 1 if mode == 1 else first, len(texts)))
    while body and texts[body[-1]] == "":  # blank lines after the last sample
        body.pop()
    last_no = len(lines)
    slots, values, times = [], [], []
    for slot, i in enumerate(body):
        no, line = lines[i][0], texts[i]
        report.rows_read += 1
        if line is None:
            report.drop(no, "bytes that do not decode as UTF-8", repr(lines[i][1])[2:-1], errors)
            continue
        if no == last_no and not ends:
            report.drop(
                no,
                "truncated last line (no line end: its value may be cut; end a complete file with a newline)",
                line,
                errors,
            )
            continue
        if not line:
            report.drop(
                no,
                "empty line among the samples (every line after the header is one sample slot)",
                line,
                errors,
            )
            continue
        if "\r" in line:
            report.drop(
                no, "carriage return inside the line (CR-only line ends? convert them to LF)", line, errors
            )
            continue
        if commented_number(line):
            report.drop(no, "a sample commented out with '#'", line, errors)
            continue
        parts = [p.strip() for p in _SEPARATORS.split(line)]
        if len(parts) != mode:
            report.drop(no, "expected 'value'" if mode == 1 else "expected 'time,value'", line, errors)
            continue
        text = parts[-1]
        v = np.nan if text.lower() == "nan" else _number(text)
        if v is None or not (np.isnan(v) or lo <= v <= hi):
            report.drop(
                no,
                f"value not a number in value_range=({lo:g}, {hi:g}) (widen value_range= for other units)",
                line,
                errors,
            )
            continue
        if mode == 2:
            t = _raw_time(parts[0], tz)
            if np.isnat(t):
                report.drop(
                    no, "time not ISO 8601 (complete date) or Unix seconds in 1990-2100", line, errors
                )
                continue
            times.append(t)
        slots.append(slot)
        values.append(v)
        report.rows_kept += 1
    v = np.asarray(values, dtype=np.float64)
    if mode == 2:
        t = np.asarray(times, dtype="datetime64[ns]")
    else:
        start = start or meta.get("start")
        if start is None:
            raise ReadError(
                f"{path}: the data lines have no times; pass start='YYYY-MM-DD HH:MM' (or put "
                "'# start: ...' in the header)"
            )
        t0 = parse_iso_times([start], tz)[0]
        if np.isnat(t0):
            raise ReadError(
                f"{path}: start={start!r} is not a complete ISO 8601 time in 1900-2100 "
                "(write 'YYYY-MM-DD HH:MM')"
            )
        t = t0 + (np.asarray(slots, dtype=np.float64) * interval_s * 1e9).astype("timedelta64[ns]")
        if body:
            report.note(
                f"values only: line {lines[body[0]][0]} + k holds the sample at {start} + k x {interval_s:g} s"
            )
    out_meta = {"file": name}
    for key, dest in (("magnitude", "source_magnitude"), ("distance", "path_distance_km")):
        if key in meta:
            out_meta[dest] = float(meta[key])
    return StationSeries(
        str(meta.get("station", os.path.splitext(name)[0])),
        t,
        v,
        channel="raw",
        meta=out_meta,
        report=report.finish(),
    )
