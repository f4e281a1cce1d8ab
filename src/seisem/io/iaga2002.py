"""IAGA-2002 exchange format (INTERMAGNET geomagnetic observatory data).

Layout: header records ``" Key<padding>Value<padding>|"``, comment records starting
with ``" #"``, one column record starting with ``"DATE"``, then data records
``YYYY-MM-DD HH:MM:SS.sss DDD v1 v2 v3 v4`` (70 characters). ``99999`` marks a missing
value and ``88888`` a value that was not recorded; both become NaN. D is in minutes of
arc, as in the file. Times are UTC.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._errors import ReadError
from ._csv import decode_line, read_bytes
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
    """One IAGA-2002 file: header fields, UTC times and one column per element.

    Made by :func:`read_iaga2002`; seldom built by hand.

    Parameters
    ----------
    header : dict
        The header records under seisem's names (:data:`HEADER_KEYS`): ``station_code`` (the
        IAGA code), ``station_name``, ``latitude`` and ``longitude`` (geodetic, degrees) and
        ``elevation`` (metres) as floats or ``None`` when empty, ``data_type``,
        ``interval_type``, ``source``, ...; records with other keys go under ``"other"``.
    comments : list of str
        The comment records (``" # ..."``), without the leading ``#`` and trailing ``|``.
    times : numpy.ndarray of datetime64[ns]
        The time stamps in UTC, strictly increasing.
    values : dict of str to numpy.ndarray
        Element (``"H"``, ``"D"``, ``"Z"``, ``"F"``, ...; the station code stripped from the
        column names) -> float64 values, one per time stamp, in the file's units (nT; D in
        minutes of arc); NaN where the file has 99999 (missing) or 88888 (not recorded).
    report : ReadReport
        The rows read, kept and dropped (see ``errors`` of :func:`read_iaga2002`).
    """

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

    Reads the lines before the column record (``DATE TIME DOY ...``), at most the first 200;
    comment records are skipped.

    Parameters
    ----------
    path : str or path-like
        The IAGA-2002 file.

    Returns
    -------
    dict
        seisem's names (:data:`HEADER_KEYS`) -> the header values as text, except
        ``latitude``/``longitude`` (degrees) and ``elevation`` (metres): floats, ``None``
        when the field is empty.

    Raises
    ------
    ReadError
        A latitude, longitude or elevation that is not a number, or no ``IAGA CODE`` record
        (not an IAGA-2002 file).
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
    path : str or path-like
        The IAGA-2002 file (one day, month or year of data; any sampling interval).
    errors : {"raise", "skip"}, default "raise"
        What to do with a malformed data record (wrong field count, unparsable time or
        value, a time out of order): stop with :class:`~seisem.ReadError` naming the line,
        or drop it and count it in ``result.report``.

    Returns
    -------
    IAGA2002
        ``header`` (``station_code``, ``latitude``, ``longitude``, ``elevation`` as floats,
        ``data_type``, ``interval_type``, ...), ``times`` (UTC), ``values`` per element.

    Notes
    -----
    A data block of equal 70-character records in the standard layout (``F10.2`` fields,
    times increasing, nothing malformed) is parsed column-wise at once; any other block is
    read record by record, which reports each bad record. Both give the same values.
    """
    check_errors(errors)
    path = os.fspath(path)
    report = ReadReport(os.path.basename(path))
    header: dict = {}
    comments: list = []
    columns = None
    times: list = []
    rows: list = []
    data = read_bytes(path)
    ends = data.endswith(b"\n")
    last = fast = None
    last_no = None  # the number of the last line, counted when the checked loop needs it

    def not_ascii(no, start):
        return (
            f"{path}:{no}: not an IAGA-2002 text file (non-ASCII bytes at offset {start} of this header line)"
        )

    for no, raw, after in _lines(data):
        line = decode_line(raw, no, "ascii", report, errors, not_ascii if columns is None else None)
        if line is None:
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
                fast = _clean_block(data, after, len(columns))
                if fast is not None:  # the whole data block, checked column-wise
                    report.rows_read = report.rows_kept = fast[0].size
                    break
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
            if last_no is None:
                last_no = data.count(b"\n") + (0 if ends else 1)
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
    if fast is not None:
        t, data = fast
    else:
        t = np.asarray(times, dtype="datetime64[ns]")
        data = np.asarray(rows, dtype=np.float64).reshape(-1, len(columns))
    data[(np.abs(data - MISSING) < 0.5) | (np.abs(data - NOT_RECORDED) < 0.5)] = np.nan
    values = {c: np.ascontiguousarray(data[:, i]) for i, c in enumerate(columns)}
    return IAGA2002(header, comments, t, values, report.finish())


def _lines(data: bytes):
    """``(line_no, bytes without the line end, offset after its line end)`` for every line, as
    :func:`seisem.io._csv.split_lines` numbers them, one at a time (the data block is often
    parsed at once from the offset after the column record)."""
    pos = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    no = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        if end < 0:
            end = len(data)
        no += 1
        yield no, data[pos:end].rstrip(b"\r"), end + 1
        pos = end + 1


# The clean-block parse works on the file's bytes translated once (bytes.translate): a digit
# becomes its value 0-9, anything else a class code 0x10-0x70 (low nibble 0). The high nibbles
# give every byte's class, the low nibbles the digits' values, read 8 bytes at a time.
_SPACE, _PLUS, _MINUS, _POINT, _COLON, _PRINT, _OTHER = 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70
_TABLE = bytearray([_OTHER]) * 256
_TABLE[0x21:0x7F] = bytes([_PRINT]) * (0x7F - 0x21)
_TABLE[0x30:0x3A] = bytes(range(10))
_TABLE[ord(" ")], _TABLE[ord("+")], _TABLE[ord("-")] = _SPACE, _PLUS, _MINUS
_TABLE[ord(".")], _TABLE[ord(":")] = _POINT, _COLON
_TABLE = bytes(_TABLE)
_HIGH, _LOW = np.uint64(0xF0F0F0F0F0F0F0F0), np.uint64(0x0F0F0F0F0F0F0F0F)


def _word(classes) -> np.uint64:
    """Eight byte classes (first byte lowest, as a little-endian load reads them) as a word."""
    return np.uint64(int.from_bytes(bytes(classes), "little"))


# "YYYY-MM-DD hh:mm:ss.sss " in three words (digits: class 0)
_STAMP = [
    _word(c)
    for c in (
        [0, 0, 0, 0, _MINUS, 0, 0, _MINUS],
        [0, 0, _SPACE, 0, 0, _COLON, 0, 0],
        [_COLON, 0, 0, _POINT, 0, 0, 0, _SPACE],
    )
]
#: the classes of the first 8 bytes of an F10.2 field: a space, more spaces, an optional sign,
#: at least one digit, the point (16 patterns); ``_NEGATIVE``: those with a minus sign
_FIELD = {
    (a, sign): _word([_SPACE] * a + ([sign] if sign else []) + [0] * (7 - a - bool(sign)) + [_POINT])
    for a in range(1, 7)
    for sign in (None, _PLUS, _MINUS)
    if 7 - a - bool(sign) >= 1
}
_FIELDS = np.array(sorted(_FIELD.values()), dtype=np.uint64)
_NEGATIVE = np.isin(_FIELDS, [w for (_a, sign), w in _FIELD.items() if sign == _MINUS])  # by index
_DECIMALS = np.uint64(_POINT)  # the field's bytes 7..9, the top three of its word at byte 2: ".dd"
_NS_PER = (3_600_000_000_000, 60_000_000_000, 1_000_000_000, 1_000_000)  # hour, minute, second, ms


def _eight_digits(w):
    """The decimal number of 8 digit values in a little-endian word (first byte most significant)."""
    w = ((w & _LOW) * np.uint64(2561)) >> np.uint64(8)
    w = ((w & np.uint64(0x00FF00FF00FF00FF)) * np.uint64(6553601)) >> np.uint64(16)
    return ((w & np.uint64(0x0000FFFF0000FFFF)) * np.uint64(42949672960001)) >> np.uint64(32)


def _clean_block(data: bytes, start: int, n_columns: int):
    """Times and an ``(n, 4)`` value array of a clean data block, or ``None`` (then the records
    are read one by one and whatever is wrong is reported).

    Clean means: records of exactly 70 characters, each with one LF or CRLF line end (none
    missing at the end), in the standard layout (``YYYY-MM-DD hh:mm:ss.sss``, a day of year of
    three printable characters, four space-separated right-aligned ``F10.2``-like fields
    ``[sign]digits.dd``), valid times in 1900-2099 strictly increasing. Every byte of a record
    is checked, so a clean record is one the checked path keeps. A value is its digits as an
    integer divided by 100: an exact integer divided exactly, so correctly rounded, which is
    what ``float`` makes of the text.
    """
    if n_columns != 4 or start >= len(data) or not data.endswith(b"\n"):
        return None
    width = 71 if data[start + RECORD_WIDTH : start + RECORD_WIDTH + 1] == b"\n" else 72
    n = (len(data) - start) // width
    if (len(data) - start) % width:
        return None
    raw = np.frombuffer(data, np.uint8, offset=start).reshape(n, width)
    if not (raw[:, -1] == 10).all() or (width == 72 and not (raw[:, 70] == 13).all()):
        return None
    tr = data.translate(_TABLE)
    cls = np.frombuffer(tr, np.uint8, offset=start).reshape(n, width)

    def words(offset, shape=(n,), strides=(width,)):  # 8 bytes from each record's byte `offset`
        return np.ndarray(shape, "<u8", tr, offset=start + offset, strides=strides)

    stamp = [words(8 * i) for i in range(3)]
    doy = cls[:, 24:27]
    if not (
        all(((w & _HIGH) == c).all() for w, c in zip(stamp, _STAMP, strict=True))
        and ((doy != _SPACE) & (doy != _OTHER)).all()  # one token of printable characters
        and (cls[:, 27:30] == _SPACE).all()
    ):
        return None
    head = words(30, (n, 4), (width, 10)) & _HIGH  # the fields' first 8 bytes
    tail = words(32, (n, 4), (width, 10))  # their bytes 2..9
    at = np.searchsorted(_FIELDS, head).clip(max=len(_FIELDS) - 1)
    if not (
        (_FIELDS[at] == head).all() and ((tail >> np.uint64(40)) & np.uint64(0xF0F0F0) == _DECIMALS).all()
    ):
        return None
    integer = _eight_digits(words(30, (n, 4), (width, 10)))  # (integer part) x 10: the point reads 0
    cents = ((tail >> np.uint64(48)) & np.uint64(15)) * np.uint64(10) + (tail >> np.uint64(56))
    values = (integer * np.uint64(10) + cents).astype(np.float64) / 100.0
    np.negative(values, out=values, where=_NEGATIVE[at])
    if not ((values >= VALUE_RANGE[0]) & (values <= VALUE_RANGE[1])).all():
        return None
    # the times, from their digits (valid fields only: hour < 24, day within the month)
    ymd = _eight_digits(stamp[0]).astype(np.int64)  # "YYYY-MM-" reads YYYY0MM0
    dhm = _eight_digits(stamp[1]).astype(np.int64)  # "DD hh:mm" reads DD0hh0mm
    sms = _eight_digits(stamp[2]).astype(np.int64)  # ":ss.sss " reads 0ss0sss0
    year, month, day = ymd // 10_000, ymd // 10 % 100, dhm // 1_000_000
    hms = (dhm // 1000 % 100, dhm % 100, sms // 100_000 % 100, sms // 10 % 1000)
    if not (
        ((year >= 1900) & (year < 2100)).all()
        and ((month >= 1) & (month <= 12)).all()
        and (day >= 1).all()
        and (hms[0] < 24).all()
        and (hms[1] < 60).all()
        and (hms[2] < 60).all()
    ):
        return None
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    first = months.astype("datetime64[D]")
    if not (day <= ((months + 1).astype("datetime64[D]") - first).astype(np.int64)).all():
        return None
    ns = (first.astype(np.int64) + day - 1) * 86_400_000_000_000
    for part, per in zip(hms, _NS_PER, strict=True):
        ns += part * per
    if ns.size > 1 and not (np.diff(ns) > 0).all():
        return None
    return ns.view("datetime64[ns]"), values
