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

import numpy as np

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


def csv_rows(path, report, errors):
    """Header, rows (lists of str, each exactly as long as the header) and their line numbers.

    Bad lines are reported through ``report.drop`` (which raises in ``errors="raise"``) and
    counted in ``report.rows_read``; good rows are not counted here (the caller does).
    """
    path = os.fspath(path)
    data = read_bytes(path)
    if not data.strip():
        raise ReadError(f"{path}: the file is empty")
    lines, ends = split_lines(data)
    last_no = lines[-1][0] if lines else 0
    header = None
    rows: list = []
    numbers: list = []
    for no, raw in lines:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if header is None:
                raise ReadError(
                    f"{path}:{no}: the header line has bytes that do not decode as UTF-8 "
                    f"(byte {exc.start}); not a UTF-8 CSV file"
                ) from exc
            report.rows_read += 1
            report.drop(no, "bytes that do not decode as UTF-8", repr(raw)[2:-1], errors)
            continue
        if not text.strip():
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


def csv_frame(path, report, errors):
    """:func:`csv_rows` as a DataFrame of str; line numbers in ``df.attrs["lines"]``."""
    import pandas as pd

    header, rows, numbers = csv_rows(path, report, errors)
    df = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    df.attrs["lines"] = numbers
    return df
