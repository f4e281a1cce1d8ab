"""One CSV row per line, checked line by line (the catalog, station and AETA readers share it).

pandas' tokenizer fails a whole file on one undecodable byte, and quietly re-aligns rows
with an extra or a missing field (an extra field in the first row becomes an index column,
a short row is padded). Here every line is decoded and split on its own: a line that does
not decode as UTF-8, or does not have the header's number of fields, is a bad row
(``errors="raise"``: :class:`~seisem.ReadError` naming the file and line; ``"skip"``: dropped
and counted in the report). No row is padded, truncated or shifted. Blank lines are ignored.
Quoted fields may hold commas but not line breaks.
"""

from __future__ import annotations

import codecs
import csv
import os
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from .._errors import ReadError


def read_bytes(path) -> bytes:
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError as exc:
        raise ReadError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise ReadError(f"{path}: is a folder, not a file") from exc
    except OSError as exc:
        raise ReadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def split_lines(data: bytes):
    """``(line_no, bytes without the line end)`` for every line, and whether the file ends
    with a line end (a last line without one may be truncated)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    ends = data.endswith(b"\n")
    lines = data.split(b"\n")
    if ends:
        lines = lines[:-1]
    return [(no, b.rstrip(b"\r")) for no, b in enumerate(lines, start=1)], ends


#: Why a line that does not decode is dropped, by encoding.
UNDECODABLE = {"utf-8": "bytes that do not decode as UTF-8", "ascii": "non-ASCII bytes"}


def decode_line(raw: bytes, no: int, encoding: str, report, errors, header_error=None):
    """Line ``no``'s text, or None to pass over it: a blank line, or a data line that does not
    decode (a bad row: counted in ``report.rows_read`` and dropped, or raised, per ``errors``).
    ``header_error``, given while the header is read: ``(no, offset of the first bad byte) ->``
    the message of the :class:`ReadError` that a line that does not decode raises."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if header_error is not None:
            raise ReadError(header_error(no, exc.start)) from exc
        report.rows_read += 1
        report.drop(no, UNDECODABLE[encoding], repr(raw)[2:-1], errors)
        return None
    return text if text.strip() else None


def csv_rows(path, report, errors, data=None):
    """Header, rows (lists of str, each exactly as long as the header) and their line numbers.

    Bad lines are reported through ``report.drop`` (which raises in ``errors="raise"``) and
    counted in ``report.rows_read``; good rows are not counted here (the caller does).
    ``data``: the file's bytes when the caller has read them already.
    """
    path = os.fspath(path)
    if data is None:
        data = read_bytes(path)
    if not data.strip():
        raise ReadError(f"{path}: the file is empty")
    lines, ends = split_lines(data)
    last_no = lines[-1][0] if lines else 0
    header = None
    rows: list = []
    numbers: list = []

    def not_utf8(no, start):
        return (
            f"{path}:{no}: the header line has bytes that do not decode as UTF-8 (byte {start}); "
            "not a UTF-8 CSV file"
        )

    for no, raw in lines:
        text = decode_line(raw, no, "utf-8", report, errors, not_utf8 if header is None else None)
        if text is None:
            continue
        try:
            fields = next(csv.reader([text], skipinitialspace=True, strict=True))
        except (csv.Error, StopIteration) as exc:
            if header is None:
                raise ReadError(f"{path}:{no}: the header line is not CSV ({exc})") from exc
            report.rows_read += 1
            report.drop(no, "not a CSV line", text, errors)
            continue
        if header is None:
            header = [f.strip() for f in fields]
            dup = sorted({h for h in header if header.count(h) > 1})
            if dup:
                raise ReadError(f"{path}:{no}: the header names column(s) {dup} more than once")
            continue
        if len(fields) != len(header):
            report.rows_read += 1
            if no == last_no and not ends:
                reason = "truncated last line (no line end, wrong field count)"
            else:
                reason = f"expected {len(header)} fields, got {len(fields)}"
            report.drop(no, reason, text, errors)
            continue
        rows.append(fields)
        numbers.append(no)
    if header is None:
        raise ReadError(f"{path}: the file is empty")
    return header, rows, np.asarray(numbers, dtype=np.int64)


#: Files this large or larger are split by pyarrow when clean; below, the line-by-line path is
#: faster (pyarrow's fixed cost) and gives the same frame.
FAST_MIN_BYTES = 1 << 16


def csv_frame(path, report, errors, data=None):
    """:func:`csv_rows` as a DataFrame of str; line numbers in ``df.attrs["lines"]``.

    A clean file (see :func:`_clean_frame`) is split by pyarrow's CSV reader instead, into the
    same strings; any other is read line by line.
    """

    if data is None:
        data = read_bytes(path)
    df = _clean_frame(data) if len(data) >= FAST_MIN_BYTES else None
    if df is not None:
        return df
    header, rows, numbers = csv_rows(path, report, errors, data)
    df = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    df.attrs["lines"] = numbers
    return df


_LONE_CR = re.compile(rb"\r(?!\n)")


def plain_text(data: bytes) -> bool:
    """Whether ``data`` is text a columnar fast path may take as it is: UTF-8, CR only as part
    of CRLF, no line longer than the csv module's field limit (the checks every fast reader
    shares; each adds its own)."""
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return not (b"\r" in data and _LONE_CR.search(data)) and lines_within_field_limit(data)


def _clean_frame(data: bytes):
    """The DataFrame of str :func:`csv_frame` makes of ``data``, or ``None`` unless the file is
    clean: UTF-8, no quotes, no NUL, CR only in CRLF, no blank line, no space at the start of a
    field (which ``skipinitialspace`` would drop), a header naming each column once, at least
    one data line, a line end after the last, no line longer than the csv module's field
    limit, and every line with the header's number of fields (pyarrow raises otherwise). On
    such a file splitting each line at its commas is all the csv module does."""

    begin = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if (
        not data.endswith(b"\n")
        or any(bad in data for bad in (b'"', b"\x00", b", ", b"\n ", b"\n\n", b"\n\r\n"))
        or data[begin : begin + 1] in (b" ", b"\n", b"\r")
    ):
        return None
    if not plain_text(data):
        return None
    nl = data.index(b"\n", begin)
    header = [h.strip() for h in data[begin:nl].rstrip(b"\r").decode("utf-8").split(",")]
    if len(set(header)) != len(header) or len(header) < 2 or nl + 1 == len(data):
        return None
    names = [f"c{i}" for i in range(len(header))]
    table = arrow_body(
        data,
        nl,
        names,
        blank_lines=False,
        column_types=dict.fromkeys(names, pa.string()),
        strings_can_be_null=False,
        null_values=[],
    )
    if table is None:  # a line with another field count
        return None
    df = pd.DataFrame({h: table.column(i).to_pandas() for i, h in enumerate(header)})
    df.attrs["lines"] = np.arange(2, 2 + len(df), dtype=np.int64)
    return df


def arrow_body(data: bytes, nl: int, names, *, blank_lines: bool, **convert):
    """The lines after the header (which ends at offset ``nl``) as a pyarrow table of columns
    ``names``, split by pyarrow's CSV reader without quoting (``blank_lines``: whether blank
    lines are passed over; ``convert``: its ``ConvertOptions``), or None where pyarrow cannot
    (a line with another field count, a value that does not convert)."""
    try:
        return pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data).slice(nl + 1)),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pacsv.ParseOptions(quote_char=False, ignore_empty_lines=blank_lines),
            convert_options=pacsv.ConvertOptions(**convert),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def lines_within_field_limit(data: bytes) -> bool:
    """Whether no line is longer than the csv module's field limit (a longer field makes
    :func:`csv_rows` report its line as "not a CSV line"; pyarrow would read it)."""
    limit = csv.field_size_limit()
    half = limit // 2
    # a line longer than the limit covers a whole window of half its length: look for a window
    # without a line end first (a few hundred find() calls on a large file), exactly only then
    if all(data.find(b"\n", i, i + half) >= 0 for i in range(0, len(data) - half + 1, half)):
        return True
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
    return bool(np.diff(ends, prepend=-1, append=len(data)).max() <= limit)
