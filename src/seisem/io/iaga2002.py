"""IAGA-2002 exchange format (INTERMAGNET geomagnetic observatory data).

Layout: header records ``" Key<padding>Value<padding>|"``, comment records starting
with ``" #"``, one column record starting with ``"DATE"``, then data records
``YYYY-MM-DD HH:MM:SS.sss DDD v1 v2 v3 v4`` (70 characters). ``99999`` marks a missing
value and ``88888`` a value that was not recorded; both become NaN. D is in minutes of
arc, as in the file. Times are UTC.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

from .._errors import ReadError
from ._report import ReadReport, check_errors

#: Header keys as they appear in the file -> the names used in :attr:`IAGA2002.header`.
HEADER_KEYS = {
    "format": "format",
    "source of data": "source",
    "station name": "station_name",
    "iaga code": "station_code",
    "geodetic latitude": "latitude",
    "geodetic longitude": "longitude",
    "elevation": "elevation",
    "reported": "reported",
    "sensor orientation": "sensor_orientation",
    "digital sampling": "digital_sampling",
    "data interval type": "interval_type",
    "data type": "data_type",
    "publication date": "publication_date",
}
_FLOAT_KEYS = ("latitude", "longitude", "elevation")
MISSING, NOT_RECORDED = 99999.0, 88888.0
_DATA = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\s")
#: A data record is exactly this many characters (the format's fixed width): a shorter one
#: is truncated (``52390.85`` cut to ``52390.``), whatever its fields still parse to.
RECORD_WIDTH = 70
#: A value field is ``F10.2``-like: a plain fixed-point number that fits 10 characters.
_VALUE = re.compile(r"^[+-]?\d+(?:\.\d*)?$")
VALUE_RANGE = (-999999.99, 9999999.99)


@dataclass
class IAGA2002:
    """One IAGA-2002 file: header fields, UTC times and one column per element."""

    header: dict
    comments: list
    times: np.ndarray  # datetime64[ns], UTC
    values: dict  # element (e.g. "H") -> float64 array, NaN where missing
    report: ReadReport = field(repr=False)

    @property
    def elements(self) -> list:
        return list(self.values)

    @property
    def interval_s(self) -> float:
        """The sampling interval in seconds (median spacing of the time stamps)."""
        if self.times.size < 2:
            return float("nan")
        return float(np.median(np.diff(self.times).astype("timedelta64[ns]").astype(np.int64)) / 1e9)

    def to_frame(self):
        """A pandas DataFrame indexed by a UTC ``DatetimeIndex``."""
        import pandas as pd

        idx = pd.DatetimeIndex(self.times, name="time").tz_localize("UTC")
        return pd.DataFrame(self.values, index=idx)

    def series(self, element: str):
        """One element as a pandas Series with a UTC index (name = ``CODE_element``)."""
        if element not in self.values:
            raise ReadError(f"element={element!r} is not in {self.report.source}; it has {self.elements}")
        s = self.to_frame()[element]
        s.name = f"{self.header.get('station_code', '')}_{element}"
        return s


def _parse_header_line(line: str):
    body = line.rstrip("\n").rstrip()
    if body.endswith("|"):
        body = body[:-1]
    key, value = body[:24].strip(), body[24:].strip()
    return key, value


def read_iaga2002_header(path: str | os.PathLike) -> dict:
    """The header records of an IAGA-2002 file (as :attr:`IAGA2002.header`), without its data.

    ``latitude``/``longitude``/``elevation`` are floats (``None`` when the field is empty).
    """
    path = os.fspath(path)
    header: dict = {}
    with open(path, encoding="ascii", errors="replace") as fh:
        for no, line in enumerate(fh, start=1):
            if line.startswith("DATE"):
                break
            if no > 200 or not line.startswith(" ") or line.startswith(" #"):
                continue
            key, value = _parse_header_line(line)
            name = HEADER_KEYS.get(key.lower())
            if name in _FLOAT_KEYS:
                try:
                    header[name] = float(value) if value else None
                except ValueError as exc:
                    raise ReadError(f"{path}:{no}: header {key!r} must be a number, got {value!r}") from exc
            elif name is not None:
                header[name] = value
    if "station_code" not in header:
        raise ReadError(f"{path}: header has no 'IAGA CODE' record; not an IAGA-2002 file")
    return header


def read_iaga2002(path: str | os.PathLike, *, errors: str = "raise") -> IAGA2002:
    """Read one IAGA-2002 file.

    Parameters
    ----------
    path : path-like
    errors : {"raise", "skip"}
        What to do with a malformed data record (wrong field count, unparsable time or
        value, a time out of order): stop with :class:`~seisem.ReadError` naming the line,
        or drop it and count it in ``result.report``.

    Returns
    -------
    IAGA2002
        ``header`` (``station_code``, ``latitude``, ``longitude``, ``elevation`` as floats,
        ``data_type``, ``interval_type``, ...), ``times`` (UTC), ``values`` per element.
    """
    check_errors(errors)
    path = os.fspath(path)
    report = ReadReport(os.path.basename(path))
    header: dict = {}
    comments: list = []
    columns = None
    times: list = []
    rows: list = []
    from ._csv import read_bytes, split_lines

    lines, ends = split_lines(read_bytes(path))
    last = None
    last_no = lines[-1][0] if lines else 0
    for no, raw in lines:
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError as exc:
            if columns is None:
                raise ReadError(
                    f"{path}:{no}: not an IAGA-2002 text file (non-ASCII bytes at offset {exc.start} "
                    "of this header line)"
                ) from exc
            report.rows_read += 1
            report.drop(no, "non-ASCII bytes", repr(raw)[2:-1], errors)
            continue
        if not line.strip():
            continue
        if columns is None:
            if line.startswith(" #"):
                comments.append(line[2:].rstrip(" |").strip())
            elif line.startswith("DATE"):
                tokens = line.rstrip(" |").split()
                if tokens[:3] != ["DATE", "TIME", "DOY"] or len(tokens) < 4:
                    raise ReadError(
                        f"{path}:{no}: column record must read 'DATE TIME DOY <elements>', got "
                        f"{line.strip()!r}"
                    )
                code = header.get("station_code", "")
                columns = [
                    t[len(code) :] if code and t.startswith(code) and len(t) > len(code) else t
                    for t in tokens[3:]
                ]
            elif line.startswith(" "):
                key, value = _parse_header_line(line)
                name = HEADER_KEYS.get(key.lower())
                if name is None:
                    header.setdefault("other", {})[key] = value
                elif name in _FLOAT_KEYS and not value:
                    header[name] = None  # empty fields are common in real files
                elif name in _FLOAT_KEYS:
                    try:
                        header[name] = float(value)
                        if not np.isfinite(header[name]):
                            raise ValueError
                    except ValueError as exc:
                        raise ReadError(
                            f"{path}:{no}: header {key!r} must be a number, got {value!r}"
                        ) from exc
                else:
                    header[name] = value
            else:
                raise ReadError(
                    f"{path}:{no}: expected a header record (starting with a space), a comment "
                    f"(' #') or the column record ('DATE ...') before the data, got {line[:40]!r}"
                )
            continue
        report.rows_read += 1
        if not _DATA.match(line):
            report.drop(no, "malformed record", line, errors)
            continue
        tokens = line.split()
        if len(tokens) != 3 + len(columns):
            report.drop(no, f"expected {3 + len(columns)} fields", line, errors)
            continue
        width = len(line.rstrip())
        if width != RECORD_WIDTH:
            truncated = no == last_no and not ends
            report.drop(
                no,
                f"record is {width} characters, not {RECORD_WIDTH}"
                + (" (truncated last line)" if truncated or width < RECORD_WIDTH else ""),
                line,
                errors,
            )
            continue
        if not all(_VALUE.match(v) for v in tokens[3:]):
            report.drop(no, "value not a fixed-point number", line, errors)
            continue
        try:
            t = np.datetime64(f"{tokens[0]}T{tokens[1]}", "ns")
            vals = [float(v) for v in tokens[3:]]
        except (ValueError, OverflowError):
            report.drop(no, "unparsable time or value", line, errors)
            continue
        if not 1900 <= t.astype("datetime64[Y]").astype(int) + 1970 < 2100:
            report.drop(no, "time outside 1900-2100", line, errors)
            continue
        if not all(VALUE_RANGE[0] <= v <= VALUE_RANGE[1] for v in vals):
            report.drop(no, f"value outside the field's range {list(VALUE_RANGE)}", line, errors)
            continue
        if last is not None and t <= last:
            report.drop(no, "time not increasing", line, errors)
            continue
        last = t
        times.append(t)
        rows.append(vals)
        report.rows_kept += 1
    if columns is None:
        raise ReadError(f"{path}: no column record ('DATE TIME DOY ...') found: truncated or not IAGA-2002")
    if "station_code" not in header:
        raise ReadError(f"{path}: header has no 'IAGA CODE' record; not an IAGA-2002 file")
    data = np.asarray(rows, dtype=np.float64).reshape(-1, len(columns))
    data[(np.abs(data - MISSING) < 0.5) | (np.abs(data - NOT_RECORDED) < 0.5)] = np.nan
    values = {c: np.ascontiguousarray(data[:, i]) for i, c in enumerate(columns)}
    return IAGA2002(header, comments, np.asarray(times, dtype="datetime64[ns]"), values, report.finish())
