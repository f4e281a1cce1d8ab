"""Issue 15, readers: every bad row is a seisem error naming file and line, or (errors="skip")
dropped and reported; no row is shifted, guessed, completed or truncated."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from seisem import ReadError
from seisem.io import (
    read_aeta_catalog,
    read_aeta_features,
    read_aeta_stations,
    read_catalog,
    read_catalog_csv,
    read_iaga2002,
    read_raw_export,
    read_stations,
)
from seisem.io.aeta import HEADER_PATTERN

from .test_io import _write_iaga

TIMES = [f"2020-01-01 00:{m:02d}:00.000" for m in range(5)]
ROWS = [[20873.75 + m, -9.99, 47477.30, 52390.85] for m in range(5)]


def _iaga(tmp_path):
    return _write_iaga(tmp_path / "tst.min", TIMES, ROWS)


# --- IAGA-2002 ------------------------------------------------------------------------------


def test_iaga_truncated_last_line_is_detected(tmp_path):
    p = _iaga(tmp_path)
    data = p.read_bytes().rstrip(b"\n")
    p.write_bytes(data[:-2])  # 52390.85 -> 52390. , no line end
    with pytest.raises(ReadError, match=r"tst\.min:16: record is 68 characters.*truncated"):
        read_iaga2002(p)
    r = read_iaga2002(p, errors="skip")
    assert r.times.size == 4 and r.report.rows_read == 5 and r.report.n_dropped == 1
    assert "4 of 5" in r.report.summary()
    np.testing.assert_array_equal(r.values["F"], [52390.85] * 4)


def test_iaga_non_ascii_row_is_skipped_not_the_file(tmp_path):
    p = _iaga(tmp_path)
    lines = p.read_bytes().split(b"\n")
    lines[13] = lines[13][:30] + b"\xe9" + lines[13][31:]
    p.write_bytes(b"\n".join(lines))
    with pytest.raises(ReadError, match=r"tst\.min:14: non-ASCII"):
        read_iaga2002(p)
    r = read_iaga2002(p, errors="skip")
    assert r.times.size == 4 and r.report.dropped == {"non-ASCII bytes": 1}
    assert np.datetime64("2020-01-01T00:02") not in r.times


@pytest.mark.parametrize("bad", ["       inf", "     1e300", " -99999999", "  nan     "])
def test_iaga_implausible_values_reported(tmp_path, bad):
    p = _iaga(tmp_path)
    lines = p.read_text().split("\n")
    lines[14] = lines[14][:60] + bad.rjust(10)
    p.write_text("\n".join(lines))
    with pytest.raises(ReadError, match=r"tst\.min:15: "):
        read_iaga2002(p)
    r = read_iaga2002(p, errors="skip")
    assert r.times.size == 4 and r.report.n_dropped == 1
    assert np.isfinite(r.values["F"]).all() and (r.values["F"] == 52390.85).all()


# --- raw exports ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "x1", "1,2,3", "\xff"])
def test_raw_values_only_bad_line_does_not_shift_later_samples(tmp_path, bad):
    p = tmp_path / "ST1_M4.5_30km.txt"
    body = b"# start: 2021-03-01 00:00\n1.0\n2.0\n" + bad.encode("latin-1") + b"\n4.0\n5.0\n"
    p.write_bytes(body)
    with pytest.raises(ReadError, match=r"ST1_M4\.5_30km\.txt:4: "):
        read_raw_export(p)
    s = read_raw_export(p, errors="skip")
    np.testing.assert_array_equal(s.values, [1.0, 2.0, 4.0, 5.0])
    expected = np.array(["2021-03-01T00:00", "2021-03-01T00:01", "2021-03-01T00:03", "2021-03-01T00:04"])
    np.testing.assert_array_equal(s.times, expected.astype("datetime64[ns]"))
    assert s.report.n_dropped == 1 and s.report.rows_read == 5


@pytest.mark.parametrize(
    "bad", ["2014-01 00:07", "2014-02-30 00:07", "9999-01-01 00:00", "2014-01-01 99:00", "tomorrow", "1e300"]
)
def test_raw_bad_times_are_reported_never_completed(tmp_path, bad):
    p = tmp_path / "plain.txt"
    p.write_text(f"2014-01-01 00:06,1.0\n{bad},2.0\n2014-01-01 00:08,3.0\n")
    with pytest.raises(ReadError, match=r"plain\.txt:2: time not ISO"):
        read_raw_export(p)
    s = read_raw_export(p, errors="skip")
    np.testing.assert_array_equal(s.values, [1.0, 3.0])
    assert s.times[0] == np.datetime64("2014-01-01T00:06") and s.report.n_dropped == 1


@pytest.mark.parametrize("bad", ["inf", "1e300", "-1e20", "1_0"])
def test_raw_implausible_values(tmp_path, bad):
    p = tmp_path / "plain.txt"
    p.write_text(f"2014-01-01 00:06,1.0\n2014-01-01 00:07,{bad}\n")
    with pytest.raises(ReadError, match=r"plain\.txt:2: value not a number"):
        read_raw_export(p)
    assert read_raw_export(p, errors="skip").values.tolist() == [1.0]


# --- AETA feature files ---------------------------------------------------------------------

HEAD = "StationID,TimeStamp,magn@abs_mean,magn@var\n"


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("42,1577836860,2.5,0.1,7\n", "expected 4 fields, got 5"),
        ("42,1577836860,2.5\n", "expected 4 fields, got 3"),
        ("42,1577836860,inf,0.1\n", "not finite"),
        ("42,1577836860,1e300,0.1\n", "not finite"),
        ("42,15,2.5,0.1\n", "TimeStamp outside"),
    ],
)
def test_aeta_bad_rows(tmp_path, bad, reason):
    p = tmp_path / "42_magn.csv"
    p.write_text(HEAD + "42,1577836800,1.5,0.2\n" + bad + "42,1577836920,3.5,0.3\n")
    with pytest.raises(ReadError, match=rf"42_magn\.csv:3: .*{reason}"):
        read_aeta_features(p)
    s = read_aeta_features(p, errors="skip")
    np.testing.assert_array_equal(s.values, [1.5, 3.5])
    assert s.report.n_dropped == 1 and s.report.rows_read == 3


def test_aeta_truncated_tail_and_undecodable_row(tmp_path):
    p = tmp_path / "42_magn.csv"
    p.write_bytes((HEAD + "42,1577836800,1.5,0.2\n42,15778\xe96860,2.5,0.1\n42,15").encode("latin-1"))
    with pytest.raises(ReadError, match=r"42_magn\.csv:3: bytes that do not decode"):
        read_aeta_features(p)
    s = read_aeta_features(p, errors="skip")
    assert s.values.tolist() == [1.5] and s.report.n_dropped == 2
    assert any("truncated last line" in r for r in s.report.dropped)


# --- station lists and catalogs -------------------------------------------------------------


def test_station_list_short_row_is_not_shifted(tmp_path):
    p = tmp_path / "StationInfo.csv"
    p.write_text(
        "Title,StationID,Longitude,Latitude,MagnData\nA,19,103.65,30.98,True\nB,24,102.75,True\n"
        "C,25,101.5,29.5,False\n"
    )
    with pytest.raises(ReadError, match=r"StationInfo\.csv:3: expected 5 fields, got 4"):
        read_aeta_stations(p)
    st = read_stations(p, errors="skip")
    assert st["station_code"].tolist() == ["19", "25"]
    assert st.attrs["report"].n_dropped == 1 and st.attrs["report"].rows_read == 3


EQ = "Longitude,Latitude,Magnitude,Time,Timestamp,Week,Location\n"


def test_eqlst_extra_field_in_first_row(tmp_path):
    p = tmp_path / "eqlst.csv"
    p.write_text(
        EQ + "101.39,27.92,3.9,25/12/2016 7:26,1482621966,12,X,extra\n"
        "105.6,29.47,4.8,27/12/2016 8:17,1482797852,13,Y\n"
    )
    with pytest.raises(ReadError, match=r"eqlst\.csv:2: expected 7 fields, got 8"):
        read_aeta_catalog(p)
    cat = read_catalog(p, errors="skip")
    assert cat["source_magnitude"].tolist() == [4.8] and cat.attrs["report"].n_dropped == 1


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("1e300", "magnitude outside"),
        ("inf", "magnitude not a number"),
        ("-99999999999", "magnitude outside"),
    ],
)
def test_catalog_implausible_magnitudes(tmp_path, bad, reason):
    p = tmp_path / "eqlst.csv"
    p.write_text(
        EQ
        + f"101.39,27.92,{bad},25/12/2016 7:26,1482621966,12,X\n105.6,29.47,4.8,27/12/2016 8:17,1482797852,13,Y\n"
    )
    with pytest.raises(ReadError, match=rf"eqlst\.csv:2: {reason}"):
        read_aeta_catalog(p)
    assert read_aeta_catalog(p, errors="skip")["source_magnitude"].tolist() == [4.8]


def test_catalog_partial_and_out_of_range_times_not_completed(tmp_path):
    p = tmp_path / "cat.csv"
    p.write_text(
        "time,lat,lon,mag\n2014-01 00:07,30,103,4\n9999-01-01 00:00,30,103,4\n2014-01-01 00:07,31,104,5\n"
        "2014-01-01 00:08\xe9,31,104,5\n".encode("latin-1").decode("latin-1")
    )
    with pytest.raises(ReadError, match=r"cat\.csv:2: unparsable origin time"):
        read_catalog_csv(p)
    cat = read_catalog_csv(p, errors="skip")
    assert cat["source_origin_time"].tolist() == [pd.Timestamp("2014-01-01 00:07", tz="UTC")]
    assert cat.attrs["report"].n_dropped == 3


def test_catalog_undecodable_row_is_skipped(tmp_path):
    p = tmp_path / "cat.csv"
    p.write_bytes(b"time,lat,lon,mag\n2014-01-01 00:07,30,103,4\n2014-01-01 00:08,3\xff,103,4\n")
    with pytest.raises(ReadError, match=r"cat\.csv:3: bytes that do not decode"):
        read_catalog(p)
    assert len(read_catalog(p, errors="skip")) == 1


def test_folder_given_as_file(tmp_path):
    with pytest.raises(ReadError, match="folder"):
        read_catalog(tmp_path)
    with pytest.raises(ReadError, match="folder"):
        read_stations(tmp_path)
    with pytest.raises(ReadError, match="folder"):
        read_iaga2002(tmp_path)


def test_cenc_unknown_xml_encoding(tmp_path):
    from seisem.io import read_cenc_catalog

    p = tmp_path / "eqList-day.xls"
    p.write_bytes(
        b'<?xml version="1.0" encoding="UTFinf"?>\n'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>\n'
    )
    with pytest.raises(ReadError, match=r"eqList-day\.xls:1: not readable SpreadsheetML"):
        read_cenc_catalog(p)


def test_cenc_damage_after_the_first_worksheet_is_an_error(tmp_path):
    from seisem.io import read_cenc_catalog

    ss = "urn:schemas-microsoft-com:office:spreadsheet"
    head = "".join(
        f'<Cell><Data ss:Type="String">{h}</Data></Cell>'
        for h in ["发震时刻", "震级(M)", "纬度(°)", "经度(°)"]
    )
    body = '<Row><Cell><Data ss:Type="String">2024-01-01 10:20:30</Data></Cell><Cell><Data ss:Type="String">3.0</Data></Cell><Cell><Data ss:Type="String">30</Data></Cell><Cell><Data ss:Type="String">100</Data></Cell></Row>'
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Workbook xmlns="{ss}" xmlns:ss="{ss}">\n'
        f'<Worksheet ss:Name="s"><Table>\n<Row>{head}</Row>\n</Table></Worksheet>\n{body}\n</Table></Worksheet>\n</Workbook>\n'
    )
    p = tmp_path / "eqList-day.xls"
    p.write_text(text)
    with pytest.raises(ReadError, match=r"eqList-day\.xls: not readable SpreadsheetML"):
        read_cenc_catalog(p, errors="skip")


# --- raw exports: slots, plausible values, truncation (fuzzing of the values-only layout) --------

RAW_HEAD = b"# magnitude: 4.5\n# distance: 30 km\n# start: 2021-03-01 00:00\n"
_RAW_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _mutate_line(rng, line: bytes) -> bytes:
    """One line-preserving mutation: the line count stays, so every line keeps its slot."""
    kind = rng.integers(9)
    if kind == 0 and line:  # delete characters
        i = int(rng.integers(len(line)))
        return line[:i] + line[i + 1 + int(rng.integers(3)) :]
    if kind == 1:  # insert a comma (or ; or tab)
        i = int(rng.integers(len(line) + 1))
        return line[:i] + rng.choice([b",", b";", b"\t", b",,"]) + line[i:]
    if kind == 2:  # garbage of printable bytes
        return bytes(rng.integers(32, 127, int(rng.integers(0, 12))).astype(np.uint8))
    if kind == 3:
        return b""
    if kind == 4:  # comment out
        return b"#" + line
    if kind == 5:  # implausible magnitudes
        return rng.choice([b"-99999999999", b"1e300", b"inf", b"nan", b"1" * 40, b"12345678.9"])
    if kind == 6:  # a byte that does not decode, a CR inside
        i = int(rng.integers(len(line) + 1))
        return line[:i] + rng.choice([b"\xff", b"\r", b"\xe9"]) + line[i:]
    if kind == 7:  # a header-like line among the samples
        return rng.choice([b"# start: 2021-03-02 00:00", b"magnitude: 5", b"station = X"])
    return line + b" " * int(rng.integers(3))  # harmless padding


def _header_like(line: bytes) -> bool:
    text = line.decode("utf-8", "replace").strip()
    if text.startswith("#"):
        return not _RAW_NUMBER.fullmatch(text[1:].strip())
    return bool(re.match(HEADER_PATTERN, text))


@pytest.mark.parametrize("seed", range(60))
def test_raw_values_only_every_kept_sample_keeps_its_own_lines_time(tmp_path, seed):
    rng = np.random.default_rng(seed)
    n = 20
    vals = [f"{100 + i}.{i:02d}" for i in range(n)]  # distinct: a value names its line
    lines = [v.encode() for v in vals]
    touched = set(rng.choice(n, size=int(rng.integers(1, 6)), replace=False).tolist())
    if seed % 3 == 0:
        touched.add(0)  # the first sample: a blank or '#' line there used to shift every later one
    for i in touched:
        lines[i] = _mutate_line(rng, lines[i])
    while True:  # header-like lines before the first sample are header lines (documented): none here
        lead = next(  # the first line that ends the header
            j
            for j, ln in enumerate([*lines, b"0"])
            if ln.strip() and not ln.strip().startswith(b"#") and not _header_like(ln)
        )
        bad = [k for k in range(lead) if _header_like(lines[k])]
        if not bad:
            break
        lines[bad[0]] = _mutate_line(rng, b"100.00")
    p = tmp_path / "ST1_export.txt"
    p.write_bytes(RAW_HEAD + b"\n".join(lines) + b"\n")
    t0 = np.datetime64("2021-03-01T00:00", "ns")
    s = read_raw_export(p, errors="skip")
    for t, v in zip(s.times, s.values, strict=True):
        slot = int((t - t0) // np.timedelta64(60, "s"))
        assert 0 <= slot < n, (slot, v)
        text = lines[slot].decode("utf-8", "replace").strip()
        assert _RAW_NUMBER.fullmatch(text) or text.lower() == "nan", (slot, text, v)
        assert np.isnan(v) if text.lower() == "nan" else v == float(text), (slot, text, v)
        assert np.isnan(v) or abs(v) <= 1e7
    kept = {int((t - t0) // np.timedelta64(60, "s")) for t in s.times}
    assert set(range(n)) - touched <= kept  # every untouched line kept, at its own time
    assert (
        s.report.rows_kept == len(s.times) and s.report.rows_read == s.report.rows_kept + s.report.n_dropped
    )
    try:
        r = read_raw_export(p)
    except ReadError as exc:
        line = int(re.search(r"ST1_export\.txt:(\d+): ", str(exc)).group(1))
        assert line - 4 in touched  # the error names a mutated line
    else:
        assert r.report.n_dropped == 0 and s.report.n_dropped == 0
        np.testing.assert_array_equal(r.times, s.times)


@pytest.mark.parametrize("first", [b"", b"#100.5", b"100.5,", b"1,2", b"\xff", b"x"])
def test_raw_bad_first_sample_keeps_its_slot(tmp_path, first):
    p = tmp_path / "ST1_M4.5_30km.txt"
    p.write_bytes(RAW_HEAD + first + b"\n2.0\n3.0\n")
    with pytest.raises(ReadError, match=r"ST1_M4\.5_30km\.txt:4: "):
        read_raw_export(p)
    s = read_raw_export(p, errors="skip")
    np.testing.assert_array_equal(s.values, [2.0, 3.0])
    np.testing.assert_array_equal(
        s.times, np.array(["2021-03-01T00:01", "2021-03-01T00:02"], dtype="datetime64[ns]")
    )
    assert s.report.n_dropped == 1 and s.report.rows_read == 3


def test_raw_header_blank_lines_and_comments_before_the_header_end_are_not_slots(tmp_path):
    p = tmp_path / "ST1_M4.5_30km.txt"
    p.write_bytes(b"\n# magnitude: 4.5\n\n# a comment\n# start: 2021-03-01 00:00\n1.0\n2.0\n\n\n")
    s = read_raw_export(p)
    assert s.values.tolist() == [1.0, 2.0] and s.report.n_dropped == 0
    assert s.times[0] == np.datetime64("2021-03-01T00:00")
    assert "line 6 + k" in s.report.notes[0]


def test_raw_header_lines_that_disagree(tmp_path):
    p = tmp_path / "plain.txt"
    p.write_bytes(RAW_HEAD + b"magnitude: 5\n1.0\n")  # a sample turned into a header line?
    with pytest.raises(ReadError, match=r"plain\.txt:4: header gives magnitude '5', but line 1 gave '4\.5'"):
        read_raw_export(p, errors="skip")
    p.write_bytes(RAW_HEAD + b"# magnitude: 4.5\n1.0\n")  # the same twice: fine
    assert read_raw_export(p).meta["source_magnitude"] == 4.5


def test_raw_time_value_layout_is_the_majority_not_the_first_line(tmp_path):
    p = tmp_path / "ST1_M4.5_30km.txt"
    p.write_bytes(RAW_HEAD + b"1.0,7\n2.0\n3.0\n")  # a comma inserted in the first sample
    with pytest.raises(ReadError, match=r":4: expected 'value'"):
        read_raw_export(p)
    s = read_raw_export(p, errors="skip")
    assert s.values.tolist() == [2.0, 3.0] and s.times[0] == np.datetime64("2021-03-01T00:01")


@pytest.mark.parametrize("bad", ["-99999999999", "12345678.9", "-1e8", "1e300"])
def test_raw_implausible_magnitudes_are_refused(tmp_path, bad):
    p = tmp_path / "ST1_M4.5_30km.txt"
    p.write_bytes(RAW_HEAD + f"1.0\n{bad}\n3.0\n".encode())
    with pytest.raises(ReadError, match=r":5: value not a number in value_range=\(-1e\+07, 1e\+07\)"):
        read_raw_export(p)
    s = read_raw_export(p, errors="skip")
    assert s.values.tolist() == [1.0, 3.0] and s.times[1] == np.datetime64("2021-03-01T00:02")
    wide = read_raw_export(p, value_range=(-1e12, 1e12), errors="skip")
    assert wide.report.n_dropped == (1 if bad == "1e300" else 0)


@pytest.mark.parametrize("bad", [(1, 0), (0, float("inf")), "1,2", (1,), None])
def test_raw_value_range_must_be_two_increasing_numbers(tmp_path, bad):
    from seisem import ParameterError

    p = tmp_path / "ST1_M4.5_30km.txt"
    p.write_bytes(RAW_HEAD + b"1.0\n")
    with pytest.raises(ParameterError, match="value_range="):
        read_raw_export(p, value_range=bad)


@pytest.mark.parametrize("body", [b"1.0\n2.0\n3.2", b"2021-03-01T00:00,1.0\n2021-03-01T00:01,3.2"])
def test_raw_truncated_last_value_is_reported_not_kept(tmp_path, body):
    p = tmp_path / "ST1_M4.5_30km.txt"
    p.write_bytes(RAW_HEAD + body)  # the last number cut: no line end after it
    last = 3 + body.count(b"\n") + 1
    with pytest.raises(ReadError, match=rf"ST1_M4\.5_30km\.txt:{last}: truncated last line"):
        read_raw_export(p)
    s = read_raw_export(p, errors="skip")
    assert 3.2 not in s.values.tolist() and s.report.n_dropped == 1
    assert any("truncated last line" in r for r in s.report.dropped)
    p.write_bytes(RAW_HEAD + body + b"\n")  # complete: kept
    assert read_raw_export(p).values[-1] == 3.2


def test_raw_cr_only_line_ends_are_named(tmp_path):
    p = tmp_path / "ST1_M4.5_30km.txt"
    p.write_bytes(RAW_HEAD + b"1.0\r2.0\r3.0\n")
    with pytest.raises(ReadError, match="carriage return inside the line"):
        read_raw_export(p)


# --- AETA features: each feature's domain -----------------------------------------------------

DOM_HEAD = "StationID,TimeStamp,magn@abs_mean,magn@var,magn@power_0_5,magn@kurt,magn@ulf_abs_max,magn@skew\n"


@pytest.mark.parametrize(
    "feature, bad, ok",
    [
        ("abs_mean", "-0.5", "0"),
        ("var", "-1e-9", "0.0"),
        ("power_0_5", "-2", "3e-9"),
        ("kurt", "-3.5", "-2.5"),
        ("ulf_abs_max", "2e15", "-0.0092"),  # signed in the real files
        ("skew", "-inf", "-0.35"),
    ],
)
def test_aeta_values_outside_the_features_domain(tmp_path, feature, bad, ok):
    p = tmp_path / "42_magn.csv"
    good = "42,1577836800,1,1,1,1,1,1\n"
    cols = DOM_HEAD.strip().split(",")
    j = cols.index(f"magn@{feature}")
    row = lambda t, v: ",".join([*f"42 {t} 1 1 1 1 1 1".split()[:j], v, *["1"] * (7 - j)])  # noqa: E731
    p.write_text(DOM_HEAD + good + row(1577837400, bad) + "\n" + row(1577838000, ok) + "\n")
    with pytest.raises(
        ReadError, match=rf"42_magn\.csv:3: magn@{feature} (outside the feature's domain|not finite)"
    ):
        read_aeta_features(p, feature=feature)
    s = read_aeta_features(p, feature=feature, errors="skip")
    assert s.values.tolist() == [1.0, float(ok)] and s.report.n_dropped == 1


def test_aeta_unknown_feature_is_noted(tmp_path):
    p = tmp_path / "42_magn.csv"
    p.write_text("StationID,TimeStamp,magn@new_thing\n42,1577836800,-3\n")
    s = read_aeta_features(p, feature="new_thing")
    assert s.values.tolist() == [-3.0] and "no known domain" in s.report.notes[0]


def test_aeta_cut_last_line_when_the_feature_is_its_last_field(tmp_path):
    p = tmp_path / "42_magn.csv"
    p.write_text(HEAD + "42,1577836800,1.5,0.2\n42,1577836860,2.5,0.1")  # no line end: var may be cut
    with pytest.raises(ReadError, match=r"42_magn\.csv:3: truncated last line .*magn@var"):
        read_aeta_features(p, feature="var")
    s = read_aeta_features(p, feature="var", errors="skip")
    assert s.values.tolist() == [0.2] and s.report.n_dropped == 1
    assert read_aeta_features(p).values.tolist() == [1.5, 2.5]  # abs_mean is whole
