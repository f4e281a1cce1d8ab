"""The readers' column-wise fast paths (pyarrow for AETA feature files, whole-block NumPy for
IAGA-2002) against their checked line-by-line paths: the same times, values, station and report
on every file, clean or not; and the fast path taken on clean files (else it would be untested)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import seisem.io.aeta as aeta
import seisem.io.iaga2002 as iaga
from seisem import ReadError
from seisem.io import read_aeta_features, read_iaga2002

from .test_io import _write_iaga

HEADER = "StationID,TimeStamp,magn@abs_mean,magn@var,magn@ulf_abs_max,magn@kurt"


def _rows(n=40, sid="42", t0=1577836800):
    rng = np.random.default_rng(n)
    return [
        f"{sid},{t0 + 600 * i},{rng.random():.6g},{rng.random() ** 2!r},{rng.normal() / 100!r},{rng.normal():.4f}"
        for i in range(n)
    ]


def _outcome(read, path, **kw):
    """What a reader gives (or the error it raises), for comparison."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = read(path, **kw)
        except ReadError as exc:
            return ("error", str(exc))
    if hasattr(r, "values") and isinstance(r.values, dict):  # IAGA2002
        vals = {
            k: (np.where(np.isnan(v), -12345.5, v).tolist(), np.signbit(v).tolist())
            for k, v in r.values.items()
        }
        return (r.times.tolist(), r.times.dtype, vals, r.header, r.comments, r.report.to_dict())
    return (
        r.station_code,
        r.times.tolist(),
        r.times.dtype,
        np.where(np.isnan(r.values), -12345.5, r.values).tolist(),
        r.report.to_dict(),
        r.report.examples,
    )


def _both(monkeypatch, module, fast_name, read, path, **kw):
    """(fast-path outcome, checked-path outcome, whether the fast path gave the result)."""
    calls = []
    real = getattr(module, fast_name)

    def spy(*a):
        out = real(*a)
        calls.append(out is not None)
        return out

    with monkeypatch.context() as m:
        m.setattr(module, fast_name, spy)
        fast = _outcome(read, path, **kw)
    with monkeypatch.context() as m:
        m.setattr(module, fast_name, lambda *a: None)
        slow = _outcome(read, path, **kw)
    return fast, slow, any(calls)


# --- AETA feature files -----------------------------------------------------------------------

CLEAN = {
    "lf": lambda r: HEADER + "\n" + "\n".join(r) + "\n",
    "crlf": lambda r: HEADER + "\r\n" + "\r\n".join(r) + "\r\n",
    "bom": lambda r: "\ufeff" + HEADER + "\n" + "\n".join(r) + "\n",
    "blank lines": lambda r: HEADER + "\n" + "\n".join(r[:5]) + "\n\n" + "\n".join(r[5:]) + "\n\n",
    "header spaces": lambda r: HEADER.replace(",", ", ") + "\n" + "\n".join(r) + "\n",
    "shuffled": lambda r: HEADER + "\n" + "\n".join(r[::-1]) + "\n",
    "empty values": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,1577900000,,,,\n42,1577900600,,1,1,1\n",
    "header only": lambda r: HEADER + "\n",
    "spaces around fields": lambda r: HEADER + "\n" + "\n".join(r) + "\n 42, 1577900000 , 1.5 ,1,1,1\n",
    "non-ascii other column": lambda r: HEADER + ",Title\n" + "\n".join(x + ",台站" for x in r) + "\n",
}

UNCLEAN = {
    "no final newline": lambda r: HEADER + "\n" + "\n".join(r),
    "nan text": lambda r: (
        HEADER + "\n" + "\n".join(r) + "\n42,1577900000,nan,1,1,1\n42,1577900600,NaN,1,1,1\n"
    ),
    "null text": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,1577900000,null,1,1,1\n",
    "inf": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,1577900000,inf,1,1,1\n",
    "negative abs_mean": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,1577900000,-0.5,1,1,1\n",
    "1e300": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,1577900000,1e300,1,1,1\n",
    "other station": lambda r: HEADER + "\n" + "\n".join(r) + "\n43,1577900000,1,1,1,1\n",
    "bad time": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,15779,1,1,1,1\n",
    "empty time": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,,1,1,1,1\n",
    "extra field": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,1577900000,1,1,1,1,7\n",
    "short row": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,1577900000,1\n",
    "quotes": lambda r: HEADER + "\n" + "\n".join(r) + '\n"42",1577900000,1,1,1,1\n',
    "lone CR": lambda r: HEADER + "\n" + "\n".join(r[:3]) + "\r" + "\n".join(r[3:]) + "\n",
    "CR-only lines": lambda r: HEADER + "\r" + "\r".join(r) + "\r",
    "undecodable": lambda r: HEADER + "\n" + "\n".join(r) + "\n42,1577900000,1,1,1,\udcff\n",
    "whitespace line": lambda r: HEADER + "\n" + "\n".join(r) + "\n   \n",
    "duplicate column": lambda r: HEADER + ",magn@var\n" + "\n".join(x + ",1" for x in r) + "\n",
    "blank before header": lambda r: "\n" + HEADER + "\n" + "\n".join(r) + "\n",
    "hex and underscores": lambda r: (
        HEADER + "\n" + "\n".join(r) + "\n42,1577900000,1_0,1,1,1\n42,1577900600,0x10,1,1,1\n"
    ),
    "cut last value": lambda r: (
        HEADER.replace(",magn@kurt", "") + "\n" + "\n".join(x.rsplit(",", 1)[0] for x in r)[:-2]
    ),
}


def _write(path, text):
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


@pytest.mark.parametrize("kind", sorted(CLEAN) + sorted(UNCLEAN))
@pytest.mark.parametrize("feature", ["abs_mean", "ulf_abs_max", "kurt"])
@pytest.mark.parametrize("errors", ["raise", "skip"])
def test_aeta_fast_path_equals_checked_path(tmp_path, monkeypatch, kind, feature, errors):
    text = {**CLEAN, **UNCLEAN}[kind](_rows())
    p = _write(tmp_path / "42_magn.csv", text)
    fast, slow, used = _both(
        monkeypatch, aeta, "_read_clean", read_aeta_features, p, feature=feature, errors=errors
    )
    assert fast == slow
    if kind in CLEAN:
        assert used, f"{kind}: a clean file should take the fast path"
        assert fast[0] != "error" and fast[4]["rows_kept"] == fast[4]["rows_read"]
    elif feature == "abs_mean":  # (the unclean rows are bad in abs_mean, or bad whatever is read)
        assert not used


def test_aeta_fast_path_on_the_real_files(real, monkeypatch):
    files = sorted((real / "aeta").glob("*/*_magn.csv"))
    assert files
    for f in files:
        for feature in (
            "abs_mean",
            "var",
            "skew",
            "kurt",
            "power_0_5",
            "ulf_abs_max_top10p",
            "ulf_energy_smax",
        ):
            fast, slow, used = _both(monkeypatch, aeta, "_read_clean", read_aeta_features, f, feature=feature)
            assert used and fast == slow, (f.name, feature)


def test_aeta_feature_domains_cover_the_real_header(real):
    header = (real / "aeta" / "dec2020" / "324_magn.csv").read_text().splitlines()[0].split(",")
    features = [h.split("@", 1)[1] for h in header if h.startswith("magn@")]
    assert len(features) == 51
    assert sorted(features) == sorted(aeta.FEATURE_DOMAINS)


# --- IAGA-2002 ------------------------------------------------------------------------------------

TIMES = [f"2020-01-01 00:{m:02d}:00.000" for m in range(30)]


def _iaga_rows(rng):
    rows = np.column_stack(
        [
            20000 + rng.normal(0, 50, 30),
            rng.normal(0, 30, 30),
            -rng.uniform(0, 99999, 30),
            rng.uniform(0, 9e5, 30),
        ]
    )
    rows[3, 0] = 99999.0
    rows[4, 2] = 88888.0
    rows[5, 1] = -0.001  # "-0.00"
    rows[6] = [0.0, -1.0, 0.01, 999999.99]
    return rows


def _variants(base: str):
    lines = base.split("\n")
    data_at = next(i for i, ln in enumerate(lines) if ln.startswith("DATE")) + 1
    rec = lines[data_at + 7]

    def with_record(new):
        out = list(lines)
        out[data_at + 7] = new
        return "\n".join(out)

    return {
        "clean": (base, True),
        "crlf": (base.replace("\n", "\r\n"), True),
        "no final newline": (base.rstrip("\n"), False),
        "cut last record": (base.rstrip("\n")[:-2], False),
        "blank line in data": (with_record(rec + "\n"), False),
        "ten-character value": (with_record(rec[:60] + "-999999.99"), False),
        "three decimals": (with_record(rec[:60] + " 52390.851"), False),
        "run-together values": (with_record(rec[:50] + "1234567.891234567.89"), False),
        "exponent": (with_record(rec[:60] + "   5.2e+04"), False),
        "inf": (with_record(rec[:60] + "       inf"), False),
        "time out of order": (with_record(lines[data_at + 2]), False),
        "hour 24": (with_record(rec[:11] + "24" + rec[13:]), False),
        "30 February": (with_record(rec[:5] + "02-30" + rec[10:]), False),
        "second 60": (with_record(rec[:17] + "60" + rec[19:]), False),
        "tab in a field": (with_record(rec[:61] + "\t" + rec[62:]), False),
        "two signs": (with_record(rec[:60] + "    --1.00"), False),
        "sign after digits": (with_record(rec[:60] + "    1-1.00"), False),
        "space inside a number": (with_record(rec[:60] + "  52 90.85"), False),
        "non-ascii": (with_record(rec[:30] + "\xe9" + rec[31:]), False),
        "year 1899": (with_record("1899" + rec[4:]), False),
        "doy with a space": (with_record(rec[:24] + "0 1" + rec[27:]), False),
        "comment after column record": (with_record(" # a late comment" + " " * 51 + "|"), False),
    }


IAGA_KINDS = [
    "clean",
    "crlf",
    "no final newline",
    "cut last record",
    "blank line in data",
    "ten-character value",
    "three decimals",
    "run-together values",
    "exponent",
    "inf",
    "time out of order",
    "hour 24",
    "30 February",
    "second 60",
    "tab in a field",
    "two signs",
    "sign after digits",
    "space inside a number",
    "non-ascii",
    "year 1899",
    "doy with a space",
    "comment after column record",
]


@pytest.mark.parametrize("kind", IAGA_KINDS)
@pytest.mark.parametrize("errors", ["raise", "skip"])
def test_iaga_fast_path_equals_checked_path(tmp_path, monkeypatch, kind, errors):
    p = _write_iaga(tmp_path / "tst.min", TIMES, _iaga_rows(np.random.default_rng(5)).tolist())
    text, clean = _variants(p.read_text())[kind]
    _write(p, text)
    fast, slow, used = _both(monkeypatch, iaga, "_clean_block", read_iaga2002, p, errors=errors)
    assert fast == slow
    assert used == clean
    if clean:
        assert fast[5]["rows_kept"] == 30 and fast[2]["H"][0][3] == -12345.5 and fast[2]["D"][1][5]


def test_iaga_fast_path_on_the_real_files(real, monkeypatch):
    files = sorted((real / "iaga2002").glob("*.min"))
    assert files
    for f in files:
        fast, slow, used = _both(monkeypatch, iaga, "_clean_block", read_iaga2002, f)
        assert used and fast == slow, f.name


# --- ISO 8601 times: parsed at once per kind, as one by one -----------------------------------


def _iso_texts(rng, n=3000):
    parts = []
    for _ in range(n):
        y = rng.choice(
            ["1899", "1900", "1969", "2014", "2020", "2099", "2100", "9999", "0000", "1677", "2262"]
        )
        mo, d = (
            rng.choice(["01", "02", "03", "11", "12", "13", "00"]),
            rng.choice(["01", "09", "28", "29", "30", "31", "32"]),
        )
        t = f"{y}-{mo}-{d}"
        if rng.random() < 0.85:
            hh = rng.choice(["00", "01", "02", "12", "23", "24", "25"])
            t += rng.choice(["T", " "]) + f"{hh}:{rng.choice(['00', '30', '59', '60', '61'])}"
            if rng.random() < 0.6:
                t += f":{rng.choice(['00', '07', '59', '60'])}"
                if rng.random() < 0.5:
                    t += "." + "".join(rng.choice(list("0123456789"), int(rng.integers(1, 11))))
        if rng.random() < 0.4:
            t += rng.choice(["Z", "+08:00", "+0800", "-05:30", "+25:00", "+14:00", "-00:00", "+8:00"])
        if rng.random() < 0.05:
            t = rng.choice(
                ["2014-01 00:07", "NaT", "", "tomorrow", " 2014-01-01 ", "2014-01-01T00:07:00.", "١٩٩٠-01-01"]
            )
        parts.append(t)
    return parts


@pytest.mark.parametrize("tz", ["UTC", "+08:00", "America/New_York", "Asia/Shanghai"])
def test_iso_times_at_once_equal_one_by_one(tz):
    from seisem.io._time import _parse_one_by_one, parse_iso_times

    rng = np.random.default_rng(7)
    texts = _iso_texts(rng)
    # DST edges of New York in 2014: ambiguous 01:30 on 2 November, missing 02:30 on 9 March
    texts += ["2014-11-02T01:30", "2014-11-02 01:30:00", "2014-03-09T02:30", "2014-03-09T03:30"] * 10
    got = parse_iso_times(texts, tz)
    want = _parse_one_by_one([t.strip() for t in texts], tz)
    np.testing.assert_array_equal(got, want)
    assert (~np.isnat(got)).sum() > 200  # (not all NaT)


# --- generic CSV: pyarrow's split, as line by line ---------------------------------------------

CSV_TEXTS = {
    "clean": "id,time,lat,lon,mag\n"
    + "".join(f"e{i},2014-01-0{1 + i % 9} 00:0{i % 10},3{i % 10}.5,10{i % 7},4.{i}\n" for i in range(50)),
    "crlf": "a,b,c\r\n1,2,3\r\n4,5,6\r\n",
    "bom utf-8": "\ufeffTitle,StationID,Lon\n都江堰,19,103.65\nx,20,1\n",
    "empty fields": "a,b,c\n,,\n1,,3\n",
    "trailing spaces": "a ,b,c\n1 ,2\t,3 \n",
    "quotes": 'a,b,c\n"1,5",2,3\n4,5,6\n',
    "space after comma": "a,b,c\n1, 2,3\n",
    "space at line start": "a,b,c\n 1,2,3\n",
    "blank line": "a,b,c\n1,2,3\n\n4,5,6\n",
    "short row": "a,b,c\n1,2\n4,5,6\n",
    "long row": "a,b,c\n1,2,3,4\n4,5,6\n",
    "no final newline": "a,b,c\n1,2,3\n4,5,6",
    "undecodable": "a,b,c\n1,2,\udcff\n4,5,6\n",
    "nul": "a,b,c\n1,2,\x00\n4,5,6\n",
    "lone cr": "a,b,c\n1,2\r,3\n4,5,6\n",
    "duplicate header": "a,b,a\n1,2,3\n",
    "header only": "a,b,c\n",
    "one column": "a\n1\n2\n",
}


@pytest.mark.parametrize("kind", sorted(CSV_TEXTS))
@pytest.mark.parametrize("errors", ["raise", "skip"])
def test_csv_frame_fast_equals_line_by_line(tmp_path, monkeypatch, kind, errors):
    import pandas as pd

    import seisem.io._csv as csvmod
    from seisem.io import ReadReport

    p = _write(tmp_path / "t.csv", CSV_TEXTS[kind])
    monkeypatch.setattr(csvmod, "FAST_MIN_BYTES", 0)  # small files take the fast path too

    def frame():
        report = ReadReport("t.csv")
        try:
            df = csvmod.csv_frame(p, report, errors)
        except ReadError as exc:
            return ("error", str(exc))
        return df, df.attrs["lines"].tolist(), report.to_dict()

    fast = frame()
    with monkeypatch.context() as m:
        m.setattr(csvmod, "_clean_frame", lambda data: None)
        slow = frame()
    if isinstance(fast[0], str) or isinstance(slow[0], str):
        assert fast == slow
        return
    pd.testing.assert_frame_equal(fast[0], slow[0])
    assert fast[1:] == slow[1:]
    assert (csvmod._clean_frame(p.read_bytes()) is not None) == (
        kind in ("clean", "crlf", "bom utf-8", "empty fields", "trailing spaces")
    )


def test_csv_frame_fast_on_the_real_files(real, monkeypatch):
    import pandas as pd

    import seisem.io._csv as csvmod
    from seisem.io import ReadReport

    monkeypatch.setattr(csvmod, "FAST_MIN_BYTES", 0)
    for f in [
        real / "catalogs" / "japan_2011_h1.csv",
        real / "aeta" / "eqlst.csv",
        real / "aeta" / "StationInfo.csv",
    ]:
        assert csvmod._clean_frame(f.read_bytes()) is not None, f.name
        fast = csvmod.csv_frame(f, ReadReport(f.name), "raise")
        with monkeypatch.context() as m:
            m.setattr(csvmod, "_clean_frame", lambda data: None)
            slow = csvmod.csv_frame(f, ReadReport(f.name), "raise")
        pd.testing.assert_frame_equal(fast, slow)
        assert fast.attrs["lines"].tolist() == slow.attrs["lines"].tolist()


def test_a_field_beyond_the_csv_field_limit_is_not_read_by_the_fast_paths(tmp_path, monkeypatch):
    import csv

    import seisem.io._csv as csvmod

    big = "x" * (csv.field_size_limit() + 5)
    rows = _rows()
    text = HEADER + ",note\n" + "\n".join(r + ",n" for r in rows[:-1]) + f"\n{rows[-1]},{big}\n"
    p = _write(tmp_path / "42_magn.csv", text)
    fast, slow, used = _both(monkeypatch, aeta, "_read_clean", read_aeta_features, p, errors="skip")
    assert fast == slow and not used and fast[4]["rows_kept"] == len(rows) - 1
    assert not csvmod.lines_within_field_limit(p.read_bytes())
    assert csvmod.lines_within_field_limit(b"a,b\n" * 200_000)
    assert not csvmod.lines_within_field_limit(b"a,b\n" * 100_000 + big.encode())  # last line, no end
