"""Fuzz suite (issue 15): mutations of small valid files for every seisem reader.

Each example takes a small valid base file (written here; the shared real files, cut to a few
dozen rows, join as extra bases when present), applies 1-3 line-tracked mutations (byte flips,
non-UTF-8 bytes, truncated lines and files, inserted/deleted fields and lines, blank lines,
extreme numbers, bad times) and reads it with ``errors="raise"`` and ``errors="skip"``.
Every outcome is classified:

* a documented seisem error (``SeisemError``) whose message names the file (and, where it
  gives a line, one inside the file), or
* a result whose rows are the unmutated rows' values: every kept row is a row of the base file,
  except at most one per mutated/inserted line; a row at the key (time, id, code) of an
  untouched line carries that line's values (no shifted or guessed row); in a values-only raw
  export every kept sample is the number on the line of its own slot (slot 0: the line after
  the header), within ``RAW_VALUE_RANGE`` and never from an unterminated (maybe cut) last
  line; an AETA value lies in its feature's domain; a truncated IAGA record is never kept;
  untouched rows that are missing are counted as dropped in the report.

Anything else (another exception, an unnamed error, a silent wrong result) fails.
``FUZZ_PROFILE=ci`` (default): 30 examples per reader; ``thorough``: 2,000 per reader;
``FUZZ_EXAMPLES=n`` overrides. Counts per reader are printed at the end of the module and,
with ``FUZZ_REPORT=path``, written there as JSON.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pandas")

from seisem import SeisemError
from seisem.io import (
    read_aeta_catalog,
    read_aeta_features,
    read_aeta_stations,
    read_catalog_csv,
    read_cenc_catalog,
    read_iaga2002,
    read_raw_export,
)
from seisem.io.aeta import HEADER_PATTERN, RAW_VALUE_RANGE, feature_domain

from ._counts import new_counts, report

N = int(
    os.environ.get("FUZZ_EXAMPLES") or {"ci": 30, "thorough": 2_000}[os.environ.get("FUZZ_PROFILE", "ci")]
)
FUZZ = settings(
    max_examples=N, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
COUNTS = new_counts()

# --- base files: (file name, bytes, indices of data lines) -----------------------------------

_IAGA_HEAD = (
    " Format                 IAGA-2002                                    |\n"
    " IAGA CODE              TST                                          |\n"
    " Geodetic Latitude      40.137                                       |\n"
    " Geodetic Longitude     254.764                                      |\n"
    "DATE       TIME         DOY     TSTH      TSTD      TSTZ      TSTF   |\n"
)


def _iaga_base():
    rows = [
        f"2020-01-01 00:{m:02d}:00.000 001   "
        + "".join(f"{v:10.2f}" for v in (20873.75 + m, -9.99 - m / 100, 47477.3 + m / 7, 52390.85 - m))
        for m in range(12)
    ]
    return "tst20200101vmin.min", (_IAGA_HEAD + "\n".join(rows) + "\n").encode(), list(range(5, 17))


def _aeta_base():
    rows = [f"42,{1577836800 + 600 * i},{1.5 + i / 8:.4f},{0.1 * i:.3f}" for i in range(12)]
    return (
        "42_magn.csv",
        ("StationID,TimeStamp,magn@abs_mean,magn@var\n" + "\n".join(rows) + "\n").encode(),
        list(range(1, 13)),
    )


def _raw_values_base():
    rows = [f"{np.sin(i) * 100:.3f}" for i in range(12)]
    text = "# magnitude: 4.5\n# distance: 30 km\n# start: 2021-03-01 00:00\n" + "\n".join(rows) + "\n"
    return "ST1_export.txt", text.encode(), list(range(3, 15))


def _raw_times_base():
    rows = [f"2021-03-01T00:{i:02d},{np.cos(i) * 10:.4f}" for i in range(12)]
    return "plain.txt", ("# magnitude: 5.1\n" + "\n".join(rows) + "\n").encode(), list(range(1, 13))


def _eqlst_base():
    rows = []
    for i in range(8):
        ts = 1482621966 + 86400 * 3 * i + 977 * i
        local = np.datetime64(ts, "s") + np.timedelta64(8, "h")
        d = local.astype(object)
        rows.append(
            f"{101.39 + i / 10:.2f},{27.92 - i / 10:.2f},{3.5 + i / 5:.1f},"
            f"{d.day:02d}/{d.month:02d}/{d.year} {d.hour}:{d.minute:02d},{ts},{12 + i},place{i}"
        )
    text = "Longitude,Latitude,Magnitude,Time,Timestamp,Week,Location\n" + "\n".join(rows) + "\n"
    return "eqlst.csv", text.encode(), list(range(1, 9))


def _catalog_base():
    rows = [
        f"ev{i},2014-0{1 + i % 9}-1{i % 10} 0{i % 10}:1{i % 6}:3{i % 10},{30 + i / 3:.3f},"
        f"{103 - i / 7:.3f},{4 + i / 10:.1f},{10 + i}"
        for i in range(8)
    ]
    return "cat.csv", ("id,time,lat,lon,mag,depth\n" + "\n".join(rows) + "\n").encode(), list(range(1, 9))


def _stations_base():
    rows = [
        f"S{i},{100 + i},{100 + i / 3:.2f},{25 + i / 4:.2f},{'True' if i % 3 else 'False'}" for i in range(8)
    ]
    text = "Title,StationID,Longitude,Latitude,MagnData\n" + "\n".join(rows) + "\n"
    return "StationInfo.csv", text.encode(), list(range(1, 9))


_SS = "urn:schemas-microsoft-com:office:spreadsheet"


def _cenc_base():
    def row(cells):
        return "<Row>" + "".join(f'<Cell><Data ss:Type="String">{c}</Data></Cell>' for c in cells) + "</Row>"

    head = ["发震时刻", "震级(M)", "纬度(°)", "经度(°)", "深度(千米)", "参考位置"]
    body = [
        row(
            [
                f"2024-0{1 + i % 3}-0{1 + i} 1{i}:2{i}:3{i}",
                f"{3 + i / 4:.1f}",
                f"{30 + i / 5:.2f}",
                f"{100 + i / 3:.2f}",
                f"{10 + i}",
                f"place{i}",
            ]
        )
        for i in range(8)
    ]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<Workbook xmlns="{_SS}" xmlns:ss="{_SS}">',
        '<Worksheet ss:Name="s"><Table>',
        row(head),
        *body,
        "</Table></Worksheet>",
        "</Workbook>",
    ]
    return "eqList-day.xls", ("\n".join(lines) + "\n").encode(), list(range(4, 12))


def _real_bases(kind):
    """Shared real files, cut to their first rows (header kept), as extra bases."""
    out = []
    if not REAL.is_dir():
        return out
    if kind == "iaga":
        f = REAL / "iaga2002" / "bou20141101vmin.min"
        if f.exists():
            lines = f.read_bytes().split(b"\n")
            start = next(i for i, ln in enumerate(lines) if ln.startswith(b"DATE")) + 1
            out.append((f.name, b"\n".join(lines[: start + 30]) + b"\n", list(range(start, start + 30))))
    elif kind in ("eqlst", "stations", "catalog"):
        name = {
            "eqlst": "aeta/eqlst.csv",
            "stations": "aeta/StationInfo.csv",
            "catalog": "catalogs/japan_2011_h1.csv",
        }
        f = REAL / name[kind]
        if f.exists():
            lines = f.read_bytes().split(b"\n")
            out.append((f.name, b"\n".join(lines[:21]) + b"\n", list(range(1, 21))))
    return out


# --- readers: read(path, errors) -> {key: values}; key(line) -> the key a data line carries ---


def _f(x):
    return "nan" if x != x else repr(float(x))


def _iaga_rows(path, errors):
    r = read_iaga2002(path, errors=errors)
    vals = np.column_stack([r.values[e] for e in r.elements]) if r.elements else np.zeros((0, 0))
    return [(str(t)[:19], tuple(_f(v) for v in row)) for t, row in zip(r.times, vals, strict=True)], r.report


def _series_rows(s):
    return [(str(t)[:19], (_f(v),)) for t, v in zip(s.times, s.values, strict=True)], s.report


def _table_rows(df, key, cols):
    return [
        (str(k), tuple(_f(v) for v in row)) for k, row in zip(df[key], df[list(cols)].to_numpy(), strict=True)
    ], df.attrs["report"]


_CAT = ("source_latitude_deg", "source_longitude_deg", "source_magnitude")
READERS = {
    "iaga2002": (
        lambda p, e: _iaga_rows(p, e),
        lambda ln: ln[:19].replace(" ", "T"),
        [_iaga_base, *(lambda b=b: b for b in _real_bases("iaga"))],
    ),
    "aeta_features": (
        lambda p, e: _series_rows(read_aeta_features(p, errors=e)),
        lambda ln: str(np.datetime64(int(ln.split(",")[1]), "s")),
        [_aeta_base],
    ),
    "raw_export_values": (lambda p, e: _series_rows(read_raw_export(p, errors=e)), None, [_raw_values_base]),
    "raw_export_times": (
        lambda p, e: _series_rows(read_raw_export(p, errors=e)),
        lambda ln: ln.split(",")[0][:16] + ":00",
        [_raw_times_base],
    ),
    "aeta_catalog": (
        lambda p, e: _table_rows(read_aeta_catalog(p, errors=e), "source_id", _CAT),
        lambda ln: "aeta" + ln.split(",")[4].strip(),
        [_eqlst_base, *(lambda b=b: b for b in _real_bases("eqlst"))],
    ),
    "catalog_csv": (
        lambda p, e: _table_rows(read_catalog_csv(p, errors=e), "source_id", _CAT),
        lambda ln: ln.split(",")[0].strip(),
        [_catalog_base, *(lambda b=b: b for b in _real_bases("catalog"))],
    ),
    "aeta_stations": (
        lambda p, e: _table_rows(
            read_aeta_stations(p, errors=e), "station_code", ("station_latitude_deg", "station_longitude_deg")
        ),
        lambda ln: ln.split(",")[1].strip(),
        [_stations_base, *(lambda b=b: b for b in _real_bases("stations"))],
    ),
    "cenc_catalog": (
        lambda p, e: _table_rows(read_cenc_catalog(p, errors=e), "source_origin_time", _CAT),
        None,
        [_cenc_base],
    ),
}

# --- mutations ----------------------------------------------------------------------------------

EXTREMES = [b"inf", b"-inf", b"nan", b"1e300", b"-99999999999", b"1e-300", b"0", b"", b"99999", b"1" * 40]
BAD_TIMES = [
    b"2014-01 00:07",
    b"2014-02-30 00:00",
    b"9999-12-31 23:59",
    b"2014-01-01 25:61",
    b"0000-00-00",
    b"NaT",
]
_NUM = re.compile(rb"[+-]?\d+(?:\.\d+)?")
_TIME = re.compile(
    rb"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?|\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}"
)

mutation = st.tuples(
    st.sampled_from(
        [
            "flip",
            "nonutf8",
            "cut_line",
            "cut_file",
            "delete",
            "insert",
            "dup",
            "blank",
            "add_field",
            "drop_field",
            "extreme",
            "bad_time",
        ]
    ),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(0, 255),
    st.sampled_from(EXTREMES),
    st.sampled_from(BAD_TIMES),
)


def mutate(lines, ops):
    """Apply ``ops`` to ``lines`` (list of (bytes, origin index or None)); returns (lines, ends, kinds)."""
    lines = list(lines)
    ends = True
    kinds = []
    for kind, a, b, byte, extreme, bad_time in ops:
        if not lines:
            break
        i = a % len(lines)
        text, origin = lines[i]
        if kind == "flip" and text:
            j = b % len(text)
            new = byte if byte not in (10, 13) else 0x7F
            lines[i] = (text[:j] + bytes([new]) + text[j + 1 :], None)
        elif kind == "nonutf8":
            j = b % (len(text) + 1)
            lines[i] = (text[:j] + bytes([0x80 | (byte & 0x7F)]) + text[j:], None)
        elif kind == "cut_line" and len(text) > 1:
            lines[i] = (text[: 1 + b % (len(text) - 1)], None)
            kinds.append(("cut", origin))
        elif kind == "cut_file" and len(text) > 1:
            lines = [*lines[:i], (text[: 1 + b % (len(text) - 1)], None)]
            ends = False
            kinds.append(("cut", origin))
        elif kind == "delete":
            del lines[i]
        elif kind == "insert":
            lines.insert(i, (bytes([32 + (byte + k) % 90 for k in range(b % 30)]), None))
        elif kind == "dup":
            lines.insert(i, (lines[b % len(lines)][0], None))
        elif kind == "blank":
            lines[i] = (b"", None)
        elif kind == "add_field":
            sep = b"," if b"," in text else b" "
            parts = text.split(sep)
            parts.insert(b % (len(parts) + 1), extreme)
            lines[i] = (sep.join(parts), None)
        elif kind == "drop_field":
            sep = b"," if b"," in text else b" "
            parts = text.split(sep)
            if len(parts) > 1:
                del parts[b % len(parts)]
                lines[i] = (sep.join(parts), None)
        elif kind == "extreme":
            nums = list(_NUM.finditer(text))
            if nums:
                m = nums[b % len(nums)]
                lines[i] = (text[: m.start()] + extreme + text[m.end() :], None)
        elif kind == "bad_time":
            m = _TIME.search(text)
            if m:
                lines[i] = (text[: m.start()] + bad_time + text[m.end() :], None)
        else:
            continue
        if lines and i < len(lines) and lines[i][1] is None and origin is not None:
            kinds.append(("touched", origin))
    return lines, ends, kinds


_VALUE_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|(?i:nan)")


def _values_layout(lines):
    """Slot 0 and the start time of a values-only export, by the documented rule: the header is
    the leading run of '#' lines (except a '#' and a bare number: a commented-out sample) and
    header-pattern lines, blank lines among them; every line after its last line is a slot."""
    hdr = re.compile(HEADER_PATTERN)
    last, start = -1, None
    for j, (raw, _) in enumerate(lines):
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            break
        if not text:
            continue
        if not (text.startswith("#") or hdr.match(text)):
            break
        if text.startswith("#") and _VALUE_TEXT.fullmatch(text[1:].strip()):
            continue
        m = hdr.match(text)
        if m and m.group("start") and start is None:
            start = m.group("start")
        last = j
    try:
        t0 = np.datetime64(start.replace(" ", "T"), "s") if start else None
    except ValueError:
        t0 = None
    return last + 1, t0


# --- the classification ---------------------------------------------------------------------------


def _line_ref_ok(msg, name, n_lines):
    for m in re.finditer(re.escape(name) + r":(\d+)", msg):
        if not 1 <= int(m.group(1)) <= n_lines + 1:
            return False
    return True


def check(reader, base, ops, tmp):
    read, key_of, _ = READERS[reader]
    name, data, data_idx = base
    orig = data.split(b"\n")
    if orig[-1] == b"":
        orig = orig[:-1]
    clean = tmp / "clean" / name
    clean.parent.mkdir(exist_ok=True)
    clean.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base_rows, _ = read(clean, "raise")
    assert len(base_rows) == len(data_idx), (
        f"base {name}: {len(base_rows)} rows for {len(data_idx)} data lines"
    )
    lines, ends, kinds = mutate([(t, i) for i, t in enumerate(orig)], ops)
    mutated = b"\n".join(t for t, _ in lines) + (b"\n" if ends and lines else b"")
    path = tmp / "mut" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(mutated)
    untouched = {o for _, o in lines if o is not None}
    n_new = sum(1 for _, o in lines if o is None)
    data_set = set(data_idx)
    # a mutated header/layout line may change keys legitimately (ids made from other columns);
    # samples of a values-only export have no key of their own: compare values only then
    by_value = reader == "raw_export_values" or any(
        i not in untouched for i in range(len(orig)) if i not in data_set
    )
    ident = (lambda r: r[1]) if by_value else (lambda r: r)
    base_set = {ident(r) for r in base_rows}
    for errors in ("raise", "skip"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rows, report = read(path, errors)
        except SeisemError as exc:
            msg = str(exc)
            if name not in msg:
                COUNTS[reader]["unnamed errors"] += 1
                pytest.fail(f"{reader}: error names no file: {msg!r}\n{mutated!r}")
            if not _line_ref_ok(msg, name, len(lines)):
                COUNTS[reader]["unnamed errors"] += 1
                pytest.fail(f"{reader}: error names a line outside the file: {msg!r}")
            COUNTS[reader][f"documented error ({errors})"] += 1
            continue
        except Exception as exc:  # the point: nothing else may escape
            COUNTS[reader]["undocumented exceptions"] += 1
            pytest.fail(
                f"{reader} errors={errors!r}: {type(exc).__name__}: {exc}\nops={ops}\nfile={mutated!r}"
            )
        problems = []
        if report.rows_kept != len(rows):
            problems.append(f"report says {report.rows_kept} kept, result has {len(rows)}")
        foreign = [r for r in rows if ident(r) not in base_set]
        if len(foreign) > n_new:
            problems.append(
                f"{len(foreign)} rows not in the base file, only {n_new} lines mutated: {foreign[:3]}"
            )
        got = dict(rows)
        if key_of is not None:
            new_text = b"\n".join(t for t, o in lines if o is None)
            base_by_line = {}
            for i in data_idx:
                try:
                    base_by_line[i] = key_of(orig[i].decode("utf-8-sig"))
                except Exception:
                    base_by_line[i] = None
            want = dict(base_rows)
            for i in untouched & data_set:
                k = base_by_line[i]
                if k is None or k not in got or k not in want:
                    continue
                if got[k] != want[k] and orig[i].split(b",")[0][:10] not in new_text:
                    problems.append(f"row at {k} (untouched line {i + 1}) has {got[k]}, not {want[k]}")
        else:
            if reader == "raw_export_values":  # every kept sample at the slot of its own line
                slot0, t0 = _values_layout(lines)
                for k, (val,) in rows if t0 is not None else ():
                    j = slot0 + int((np.datetime64(k) - t0) // np.timedelta64(60, "s"))
                    text = lines[j][0].decode("utf-8", "replace").strip() if 0 <= j < len(lines) else None
                    if text is None or not _VALUE_TEXT.fullmatch(text) or _f(float(text)) != val:
                        problems.append(f"sample {val} at {k} is not the value of its line {j + 1}: {text!r}")
                    elif not ends and j == len(lines) - 1:
                        problems.append(f"sample {val} of the unterminated (maybe cut) last line kept")
                    elif val != "nan" and not RAW_VALUE_RANGE[0] <= float(val) <= RAW_VALUE_RANGE[1]:
                        problems.append(f"sample {val} outside {RAW_VALUE_RANGE} kept")
        if reader == "aeta_features":  # values inside the feature's domain (NaN: a missing value)
            lo, hi = feature_domain("magn@abs_mean")
            problems += [
                f"{val} outside [{lo}, {hi}] kept at {k}"
                for k, (val,) in rows
                if not (val == "nan" or lo <= float(val) <= hi)
            ]
        if reader == "iaga2002":
            for kind, o in kinds:
                if kind == "cut" and o in data_set:
                    k = orig[o][:19].decode().replace(" ", "T")
                    if k in got and got[k] != dict(base_rows).get(k) and o not in untouched:
                        problems.append(f"truncated record {o + 1} kept as {got[k]}")
        present = len({ident(r) for r in rows} & base_set)
        if present < len(untouched & data_set) - report.n_dropped - n_new:
            problems.append(
                f"{len(untouched & data_set) - present} untouched rows missing, report drops {report.n_dropped}"
            )
        if errors == "raise" and report.n_dropped:
            problems.append("errors='raise' dropped rows")
        if problems:
            COUNTS[reader]["silent wrong results"] += 1
            pytest.fail(f"{reader} errors={errors!r}: {problems}\nops={ops}\nfile={mutated!r}")
        COUNTS[reader][f"result checked ({errors})"] += 1
    COUNTS[reader]["cases"] += 1


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    report("reader fuzz counts", COUNTS)


@pytest.fixture(scope="module", autouse=True)
def _csv_fast_path_on_small_files():
    """The fuzzed files are small: let the clean-CSV fast path (pyarrow) read them too, as it
    reads large ones; the line-by-line path reads every file it refuses."""
    from seisem.io import _csv

    before, _csv.FAST_MIN_BYTES = _csv.FAST_MIN_BYTES, 0
    yield
    _csv.FAST_MIN_BYTES = before


@pytest.mark.parametrize("reader", sorted(READERS))
def test_fuzz_reader(reader, tmp_path_factory):
    bases = [make() for make in READERS[reader][2]]
    tmp = tmp_path_factory.mktemp(reader)

    @FUZZ
    @given(base=st.sampled_from(bases), ops=st.lists(mutation, min_size=1, max_size=3))
    def run(base, ops):
        check(reader, base, ops, tmp)

    run()
