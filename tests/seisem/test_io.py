"""Readers: real shared files (skipped when absent) and small hand-written ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seisem import ParameterError, ReadError
from seisem.io import (
    read_aeta_catalog,
    read_aeta_features,
    read_catalog,
    read_catalog_csv,
    read_iaga2002,
    read_obspy,
    read_raw_export,
    read_stations,
)

IAGA_HEADER = """\
 Format                 IAGA-2002                                    |
 Source of Data         Test                                         |
 Station Name           Testville                                    |
 IAGA CODE              TST                                          |
 Geodetic Latitude      10.500                                       |
 Geodetic Longitude     350.250                                      |
 Elevation              12                                           |
 Reported               HDZF                                         |
 Data Type              variation                                    |
 # a comment line                                                    |
DATE       TIME         DOY     TSTH      TSTD      TSTZ      TSTF   |
"""


def _iaga_line(t, vals):
    return f"{t} 001   " + "".join(f"{v:10.2f}" for v in vals)


def _write_iaga(path, times, rows):
    body = "\n".join(_iaga_line(t, r) for t, r in zip(times, rows, strict=True))
    path.write_text(IAGA_HEADER + body + "\n")
    return path


# --- IAGA-2002 ---------------------------------------------------------------------------


def _independent_iaga(path):
    """Parse the data records with plain string handling, for comparison."""
    out = []
    for line in path.read_text().splitlines():
        if line[:4].isdigit() and line[4] == "-":
            parts = line.split()
            out.append((parts[0] + "T" + parts[1], [float(v) for v in parts[3:7]]))
    return out


def test_iaga_real_boulder_files_parse_exactly(real):
    files = sorted((real / "iaga2002").glob("bou2014110*vmin.min"))
    assert len(files) == 7
    for f in files:
        r = read_iaga2002(f)
        ref = _independent_iaga(f)
        assert r.header["station_code"] == "BOU"
        assert r.header["latitude"] == pytest.approx(40.137)
        assert r.header["longitude"] == pytest.approx(254.764)
        assert r.header["elevation"] == pytest.approx(1682)
        assert r.elements == ["H", "D", "Z", "F"]
        assert r.times.size == 1440 and r.interval_s == 60.0
        assert r.report.n_dropped == 0
        np.testing.assert_array_equal(r.times, np.array([t for t, _ in ref], dtype="datetime64[ns]"))
        vals = np.array([v for _, v in ref])
        vals[(vals == 99999.0) | (vals == 88888.0)] = np.nan
        for i, e in enumerate("HDZF"):
            np.testing.assert_array_equal(r.values[e], vals[:, i])
        assert str(r.times[0])[:10] == f.name[3:7] + "-" + f.name[7:9] + "-" + f.name[9:11]


def test_iaga_missing_markers_and_interval(tmp_path):
    times = [f"2020-01-01 00:00:{s:02d}.000" for s in range(0, 10)]
    rows = [[1.0, 2.0, 3.0, 4.0]] * 10
    rows[3] = [99999.0, 2.0, 88888.0, 4.0]
    r = read_iaga2002(_write_iaga(tmp_path / "tst.sec", times, rows))
    assert r.interval_s == 1.0
    assert np.isnan(r.values["H"][3]) and np.isnan(r.values["Z"][3]) and r.values["D"][3] == 2.0
    assert r.header["longitude"] == 350.25
    s = r.series("D")
    assert str(s.index.tz) == "UTC" and s.name == "TST_D"
    with pytest.raises(ReadError, match="element='X'"):
        r.series("X")


def test_iaga_truncated_and_malformed_lines(tmp_path):
    times = [f"2020-01-01 00:{m:02d}:00.000" for m in range(5)]
    p = _write_iaga(tmp_path / "t.min", times, [[1.0, 2.0, 3.0, 4.0]] * 5)
    text = p.read_text().splitlines()
    text[-2] = text[-2][:40]  # a truncated record
    text.append("2020-01-01 00:05:00.000 001   abc")  # garbage
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(ReadError, match=r"t\.min:15: expected 7 fields"):
        read_iaga2002(p)
    r = read_iaga2002(p, errors="skip")
    assert r.times.size == 4
    assert r.report.n_dropped == 2 and r.report.rows_read == 6
    assert "dropped" in r.report.summary()


def test_iaga_not_iaga(tmp_path):
    p = tmp_path / "x.min"
    p.write_text(IAGA_HEADER.split("DATE")[0])
    with pytest.raises(ReadError, match="no column record"):
        read_iaga2002(p)
    p.write_bytes(b"\xff\xfe binary")
    with pytest.raises(ReadError, match="non-ASCII"):
        read_iaga2002(p)
    with pytest.raises(ParameterError, match="errors='bogus'"):
        read_iaga2002(p, errors="bogus")


# --- AETA feature files ---------------------------------------------------------------


def test_aeta_features(tmp_path):
    p = tmp_path / "42_magn.csv"
    p.write_text(
        "StationID,TimeStamp,magn@abs_mean,magn@var\n"
        "42,1577836860,2.5,0.1\n42,1577836800,1.5,0.2\n42,oops,3.0,0.3\n"
        "43,1577836920,9.0,0.1\n42,1577836980,,0.4\n42,1577837040,x1,0.4\n"
    )
    with pytest.raises(ReadError, match="unparsable TimeStamp"):
        read_aeta_features(p)
    s = read_aeta_features(p, errors="skip")
    assert s.station_code == "42"
    np.testing.assert_array_equal(
        s.times,
        np.array(["2020-01-01T00:00", "2020-01-01T00:01", "2020-01-01T00:03"], dtype="datetime64[ns]"),
    )
    np.testing.assert_array_equal(s.values, [1.5, 2.5, np.nan])
    assert s.report.dropped == {
        "unparsable TimeStamp": 1,
        "StationID '43' is not '42'": 1,
        "unparsable magn@abs_mean": 1,
    }
    v = read_aeta_features(p, feature="magn@var", errors="skip")
    assert v.values[0] == 0.2
    with pytest.raises(ReadError, match=r"missing column\(s\) \['magn@power'\].*magn@abs_mean"):
        read_aeta_features(p, feature="power")
    (tmp_path / "1_magn.csv").write_text("")
    with pytest.raises(ReadError, match="empty"):
        read_aeta_features(tmp_path / "1_magn.csv")


def test_raw_export_regex(tmp_path):
    p = tmp_path / "ST7_event_M4.5_dist_32.5km.txt"
    p.write_text("# start: 2021-03-01 00:00\n1.0\n2.0\n3.0\n")
    s = read_raw_export(p)
    assert s.meta["source_magnitude"] == 4.5 and s.meta["path_distance_km"] == 32.5
    assert s.station_code == "ST7"
    assert s.times[1] - s.times[0] == np.timedelta64(60, "s")
    q = tmp_path / "plain.txt"
    q.write_text("# magnitude: 5.1\n# distance: 12 km\n2021-03-01T00:00,1.0\n2021-03-01T00:01,2.0\nbad\n")
    s = read_raw_export(q, tz="+08:00", errors="skip")
    assert s.meta == {"file": "plain.txt", "source_magnitude": 5.1, "path_distance_km": 12.0}
    assert str(s.times[0]) == "2021-02-28T16:00:00.000000000"  # local UTC+8 to UTC
    assert s.report.n_dropped == 1
    r = tmp_path / "nostart.txt"
    r.write_text("1\n2\n")
    with pytest.raises(ReadError, match="no times"):
        read_raw_export(r)


# --- ObsPy ------------------------------------------------------------------------------


def test_obspy_stream_file_and_gaps(tmp_path):
    obspy = pytest.importorskip("obspy")
    t0 = obspy.UTCDateTime("2020-01-01T00:00:00")
    a = obspy.Trace(
        np.arange(10, dtype=np.float64),
        header={"station": "ABC", "channel": "LFZ", "starttime": t0, "delta": 60.0},
    )
    b = obspy.Trace(
        np.arange(5, dtype=np.float64) + 100,
        header={"station": "ABC", "channel": "LFZ", "starttime": t0 + 15 * 60, "delta": 60.0},
    )
    other = obspy.Trace(
        np.ones(3), header={"station": "ABC", "channel": "LFN", "starttime": t0, "delta": 60.0}
    )
    st = obspy.Stream([a, b, other])
    path = tmp_path / "x.mseed"
    st.write(str(path), format="MSEED")
    with pytest.raises(ParameterError, match="channels"):
        read_obspy(st)
    for src in (st, str(path)):
        out = read_obspy(src, channel="LFZ")
        s = out["ABC"]
        assert s.values.size == 20
        assert np.isnan(s.values[10:15]).all() and s.values[15] == 100
        assert s.report.dropped["gap samples"] == 5
        assert s.times[1] - s.times[0] == np.timedelta64(60, "s")
    assert read_obspy(a)["ABC"].values.size == 10
    with pytest.raises(ReadError, match=r"could not read|no such file"):
        read_obspy(str(tmp_path / "missing.mseed"))


# --- catalogs and stations -------------------------------------------------------------


def test_aeta_real_catalog_and_stations(real):
    cat = read_catalog(real / "aeta" / "eqlst.csv")
    assert len(cat) == 189 and cat.attrs["report"].n_dropped == 0
    assert str(cat["source_origin_time"].dt.tz) == "UTC"
    raw = pd.read_csv(real / "aeta" / "eqlst.csv", encoding="utf-8-sig")
    # Time is local UTC+8: every origin time equals Time - 8 h to the minute
    local = pd.to_datetime(raw["Time"], format="%d/%m/%Y %H:%M")
    ours = cat.set_index("source_id").loc["aeta" + raw["Timestamp"].astype(str), "source_origin_time"]
    diff = ours.dt.tz_localize(None).to_numpy() - (local - pd.Timedelta(hours=8)).to_numpy()
    assert np.all(np.abs(diff / np.timedelta64(1, "s")) < 60)
    assert cat["source_magnitude"].min() >= 3.5
    st = read_stations(real / "aeta" / "StationInfo.csv")
    assert len(st) == 159 and st["station_code"].iloc[0] == "19"
    assert (
        st["station_has_em"].sum()
        == (raw_st := pd.read_csv(real / "aeta" / "StationInfo.csv", encoding="utf-8-sig"))["MagnData"].sum()
    )
    assert list(st.columns)[:3] == ["station_code", "station_latitude_deg", "station_longitude_deg"]
    assert st["station_name"].iloc[0] == raw_st["Title"].iloc[0]


def test_aeta_catalog_inconsistent_time(tmp_path):
    p = tmp_path / "eq.csv"
    p.write_text(
        "\ufeffLongitude,Latitude,Magnitude,Time,Timestamp,Week,Location\n"
        "101.39,27.92,3.9,25/12/2016 7:26,1482621966,12,a\n"
        "101.39,27.92,3.9,25/12/2016 9:26,1482621967,12,b\n"
        "101.39,97.92,3.9,25/12/2016 7:26,1482621968,12,c\n"
    )
    with pytest.raises(ReadError, match="disagree"):
        read_aeta_catalog(p)
    cat = read_aeta_catalog(p, errors="skip")
    assert list(cat["source_id"]) == ["aeta1482621966"]
    assert cat.attrs["report"].dropped == {
        "Time (UTC+8) and Timestamp disagree": 1,
        "latitude outside [-90, 90]": 1,
    }


def test_comcat_and_generic_csv(tmp_path):
    p = tmp_path / "query.csv"
    p.write_text(
        "time,latitude,longitude,depth,mag,magType,nst,id,place\n"
        "2021-05-21T13:48:34.000Z,34.59,98.25,10,7.3,mww,,us7000e54r,Maduo\n"
        "2021-05-21T12:00:00.000Z,25.67,99.87,8,6.1,mww,,us7000e532,Yangbi\n"
        "not-a-time,25.6,99.8,8,6.1,mww,,bad1,x\n"
    )
    with pytest.raises(ReadError, match=":4: unparsable origin time"):
        read_catalog(p)
    cat = read_catalog(p, errors="skip")
    assert list(cat["source_id"]) == ["us7000e532", "us7000e54r"]  # sorted by time
    assert cat["source_depth_km"].tolist() == [8.0, 10.0]
    g = tmp_path / "mine.csv"
    g.write_text("when,la,lo,m\n2021-05-21 21:48:34,34.59,98.25,7.3\n")
    cols = {
        "source_origin_time": "when",
        "source_latitude_deg": "la",
        "source_longitude_deg": "lo",
        "source_magnitude": "m",
    }
    c = read_catalog_csv(g, columns=cols, tz="+08:00")
    assert c["source_origin_time"].iloc[0] == pd.Timestamp("2021-05-21T13:48:34Z")
    c2 = read_catalog_csv(g, columns=cols, tz="Asia/Shanghai")
    assert c2["source_origin_time"].iloc[0] == c["source_origin_time"].iloc[0]
    with pytest.raises(ReadError, match="cannot tell the catalog layout"):
        read_catalog(g)
    with pytest.raises(ParameterError, match="tz='Mars/Olympus'"):
        read_catalog_csv(g, columns=cols, tz="Mars/Olympus")
    with pytest.raises(ParameterError, match="columns= must map at least"):
        read_catalog_csv(g, columns={"source_origin_time": "when"})


def test_quakeml(tmp_path):
    obspy = pytest.importorskip("obspy")
    from obspy.core.event import Catalog, Event, Magnitude, Origin

    ev = Event(
        origins=[
            Origin(
                time=obspy.UTCDateTime("2020-02-03T04:05:06"), latitude=30.0, longitude=103.0, depth=10000.0
            )
        ],
        magnitudes=[Magnitude(mag=4.2, magnitude_type="ML")],
    )
    path = tmp_path / "cat.xml"
    Catalog([ev]).write(str(path), format="QUAKEML")
    cat = read_catalog(path)
    assert len(cat) == 1
    row = cat.iloc[0]
    assert row["source_magnitude"] == 4.2 and row["source_depth_km"] == 10.0
    assert row["source_origin_time"] == pd.Timestamp("2020-02-03T04:05:06Z")


def test_station_list_generic_and_bad(tmp_path):
    p = tmp_path / "st.csv"
    p.write_text("code,lat,lon\nA,30,103\nB,95,103\nA,31,104\n")
    cols = {"station_code": "code", "station_latitude_deg": "lat", "station_longitude_deg": "lon"}
    with pytest.raises(ReadError, match="latitude outside"):
        read_stations(p, format="csv", columns=cols)
    st = read_stations(p, format="csv", columns=cols, errors="skip")
    assert list(st["station_code"]) == ["A"]
    assert st.attrs["report"].dropped == {"latitude outside [-90, 90]": 1, "duplicate station code": 1}
    # common column names are recognised without options (issue 13: this used to need columns=)
    with pytest.raises(ReadError, match=r"st\.csv:3: latitude outside"):
        read_stations(p)
    q = tmp_path / "odd.csv"
    q.write_text("kennung,breite,laenge\nA,30,103\n")
    with pytest.raises(ReadError, match=r"cannot tell the station-list layout.*--stations-columns"):
        read_stations(q)
    assert read_stations(q, columns="code=kennung,lat=breite,lon=laenge")["station_code"].tolist() == ["A"]
    with pytest.raises(ReadError, match="does not exist"):
        read_stations(tmp_path / "nope.csv")


def test_aeta_clean_file_fast_path_equals_checked_path(tmp_path, monkeypatch):
    import seisem.io.aeta as aeta

    rng = np.random.default_rng(0)
    t = 1577836800 + 60 * rng.permutation(500)
    p = tmp_path / "9_magn.csv"
    pd.DataFrame({"StationID": 9, "TimeStamp": t, "magn@abs_mean": rng.random(500)}).to_csv(p, index=False)
    fast = read_aeta_features(p)
    monkeypatch.setattr(aeta, "_read_clean", lambda *a: None)
    slow = read_aeta_features(p)
    np.testing.assert_array_equal(fast.times, slow.times)
    np.testing.assert_array_equal(fast.values, slow.values)
    assert fast.station_code == slow.station_code == "9"
    assert fast.report.rows_kept == slow.report.rows_kept == 500
