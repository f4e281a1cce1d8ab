"""Reader throughput, in MB/s of file read per core, against plain ``pandas.read_csv`` on the same file.

* AETA feature files (``read_aeta_features``, the default feature ``abs_mean``): a synthetic
  station-year (52,560 ten-minute rows, the real header's 51 ``magn@`` features, CRLF line ends
  as in the real files, about 40 MB) and the real ``dec2020/324_magn.csv`` (3.8 MB);
* IAGA-2002 minute files (``read_iaga2002``): a synthetic month (44,640 records, 3.2 MB) and the
  real ``cbi201103dmin.min`` (3.2 MB);
* a generic catalog CSV (``read_catalog``): the real ``japan_2011_h1.csv`` (0.4 MB).

The real files live beside the project (``../shared/data/real``); their cases skip when absent.
Every case checks the reader's values against pandas' before the clock runs, so a fast wrong
answer fails instead of being timed. The readers run single-threaded (pyarrow with
``use_threads=False``; pandas' C parser is single-threaded), so MB/s is per core. Each case
records ``MB`` and ``MB/s`` (from the median) in ``extra_info`` and prints them (``-s``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seisem.io import read_aeta_features, read_catalog, read_iaga2002

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"

#: The 51 features of an AETA magnetic feature file, in the real files' order.
AETA_FEATURES = [
    "var",
    "power",
    "skew",
    "kurt",
    "abs_max",
    "abs_mean",
    "abs_max_top5p",
    "abs_max_top10p",
    "energy_sstd",
    "energy_smax",
    "power_0_5",
    "power_5_10",
    "power_10_15",
    "power_15_20",
    "power_20_25",
    "power_25_30",
    "power_30_35",
    "power_35_40",
    "power_40_60",
    "power_140_160",
    "power_other",
    "frequency_center",
    "mean_square_frequency",
    "variance_frequency",
    "frequency_entropy",
    *(
        f"{lv}_{w}"
        for lv in ("level4d", "level5d", "level6a", "level6d")
        for w in ("abs_mean", "energy", "energy_smax", "energy_sstd")
    ),
    "ulf_abs_mean",
    "ulf_var",
    "ulf_power",
    "ulf_skew",
    "ulf_kurt",
    "ulf_abs_max",
    "ulf_abs_max_top5p",
    "ulf_abs_max_top10p",
    "ulf_energy_sstd",
    "ulf_energy_smax",
]
SIGNED = {"skew", "ulf_skew", "ulf_abs_max", "ulf_abs_max_top5p", "ulf_abs_max_top10p"}


def write_aeta(path: Path, rows: int = 52_560, station: str = "324", seed: int = 0) -> Path:
    """A synthetic ``<station>_magn.csv``: ten-minute rows from 2020-01-01, values printed as the
    real files print them (a third with 17 significant digits, the rest with 7), CRLF."""
    rng = np.random.default_rng(seed)
    t = 1577836800 + 600 * np.arange(rows)
    cols = [np.full(rows, station), t.astype(str)]
    for j, name in enumerate(AETA_FEATURES):
        if name in SIGNED:
            x = rng.normal(0, 0.3, rows)
        elif name.endswith("kurt"):
            x = rng.gamma(2.0, 1.0, rows) - 1.9
        else:
            x = rng.lognormal(-4, 3, rows)
        cols.append(np.char.mod("%.17g" if j % 3 == 0 else "%.7g", x))
    head = ",".join(["StationID", "TimeStamp", *(f"magn@{f}" for f in AETA_FEATURES)])
    body = "\r\n".join(",".join(r) for r in zip(*cols, strict=True))
    path.write_bytes((head + "\r\n" + body + "\r\n").encode())
    return path


IAGA_HEAD = "".join(
    f" {k:<22} {v:<44}|\n"
    for k, v in [
        ("Format", "IAGA-2002"),
        ("Source of Data", "synthetic"),
        ("Station Name", "Benchmark"),
        ("IAGA CODE", "BEN"),
        ("Geodetic Latitude", "40.137"),
        ("Geodetic Longitude", "254.764"),
        ("Elevation", "1682"),
        ("Reported", "HDZF"),
        ("Data Type", "definitive"),
    ]
)


def write_iaga(path: Path, days: int = 31, seed: int = 0) -> Path:
    """A synthetic one-minute IAGA-2002 month: random walks, a few 99999 gaps, LF line ends."""
    rng = np.random.default_rng(seed)
    n = days * 1440
    t = np.datetime64("2020-01-01T00:00") + np.arange(n).astype("timedelta64[m]")
    day = (t.astype("datetime64[D]") - t.astype("datetime64[Y]")).astype(int) + 1
    vals = np.column_stack(
        [
            20000 + np.cumsum(rng.normal(0, 0.5, n)),
            -10 + np.cumsum(rng.normal(0, 0.05, n)),
            47000 + np.cumsum(rng.normal(0, 0.5, n)),
            52000 + np.cumsum(rng.normal(0, 0.5, n)),
        ]
    )
    vals[rng.choice(n, 50, replace=False), rng.integers(0, 4, 50)] = 99999.0
    stamp = np.char.add(np.datetime_as_string(t, unit="ms").astype("U23"), "")
    stamp = np.char.replace(stamp, "T", " ")
    lines = [
        f"{s} {d:03d}   {a:10.2f}{b:10.2f}{c:10.2f}{e:10.2f}"
        for s, d, (a, b, c, e) in zip(stamp, day, vals, strict=True)
    ]
    cols = "DATE       TIME         DOY     BENH      BEND      BENZ      BENF   |\n"
    path.write_text(IAGA_HEAD + cols + "\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("readers")
    return {
        "aeta-synthetic-year": write_aeta(out / "324_magn.csv"),
        "aeta-real-dec2020": REAL / "aeta" / "dec2020" / "324_magn.csv",
        "iaga-synthetic-month": write_iaga(out / "ben202001dmin.min"),
        "iaga-real-cbi201103": REAL / "iaga2002" / "cbi201103dmin.min",
        "catalog-real-japan2011": REAL / "catalogs" / "japan_2011_h1.csv",
    }


def _path(files, case):
    p = files[case]
    if not p.exists():
        pytest.skip(f"{p} is absent (the real files live beside the project, in ../shared/data/real)")
    return p


def _iaga_pandas(p):
    skip = next(i for i, ln in enumerate(open(p)) if ln.startswith("DATE")) + 1
    return pd.read_csv(p, sep=r"\s+", header=None, skiprows=skip, engine="c")


def _run(benchmark, group, p, fn):
    mb = os.path.getsize(p) / 1e6
    benchmark.group = group
    benchmark(fn)
    rate = mb / benchmark.stats.stats.median
    benchmark.extra_info.update({"MB": round(mb, 3), "MB/s": round(rate, 1)})
    print(f"\n{group} [{benchmark.name}]: {mb:.2f} MB at {rate:.0f} MB/s (median)")


@pytest.mark.parametrize("impl", ["seisem", "pandas.read_csv"])
@pytest.mark.parametrize("case", ["aeta-synthetic-year", "aeta-real-dec2020"])
def test_read_aeta_features(benchmark, files, case, impl):
    p = _path(files, case)
    ref = pd.read_csv(p).sort_values("TimeStamp", kind="stable")
    s = read_aeta_features(p)  # checked before the clock: the same values as pandas
    assert s.report.n_dropped == 0 and s.values.size == len(ref)
    np.testing.assert_array_equal(s.values, ref["magn@abs_mean"].to_numpy())
    np.testing.assert_array_equal(
        s.times, pd.to_datetime(ref["TimeStamp"], unit="s").to_numpy("datetime64[ns]")
    )
    fn = (lambda: read_aeta_features(p)) if impl == "seisem" else (lambda: pd.read_csv(p))
    _run(benchmark, f"readers: AETA feature file, {case} (MB/s = size / time)", p, fn)


@pytest.mark.parametrize("impl", ["seisem", "pandas.read_csv"])
@pytest.mark.parametrize("case", ["iaga-synthetic-month", "iaga-real-cbi201103"])
def test_read_iaga2002(benchmark, files, case, impl):
    p = _path(files, case)
    ref = _iaga_pandas(p)
    r = read_iaga2002(p)
    assert r.report.n_dropped == 0 and r.times.size == len(ref)
    for i, e in enumerate(r.elements):
        want = np.array(ref[3 + i], dtype=float)
        want[(want == 99999.0) | (want == 88888.0)] = np.nan
        np.testing.assert_array_equal(r.values[e], want)
    fn = (lambda: read_iaga2002(p)) if impl == "seisem" else (lambda: _iaga_pandas(p))
    _run(benchmark, f"readers: IAGA-2002, {case} (MB/s = size / time)", p, fn)


@pytest.mark.parametrize("impl", ["seisem", "pandas.read_csv"])
@pytest.mark.parametrize("case", ["catalog-real-japan2011"])
def test_read_catalog_csv(benchmark, files, case, impl):
    p = _path(files, case)
    ref = pd.read_csv(p)
    cat = read_catalog(p)
    assert len(cat) == len(ref)
    np.testing.assert_array_equal(
        np.sort(cat["source_magnitude"].to_numpy()), np.sort(ref["magnitude"].to_numpy())
    )
    fn = (lambda: read_catalog(p)) if impl == "seisem" else (lambda: pd.read_csv(p))
    _run(benchmark, f"readers: catalog CSV, {case} (MB/s = size / time)", p, fn)
