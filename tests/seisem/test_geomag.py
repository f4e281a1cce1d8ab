"""The station activity index (simplified FMI K method) and the planetary-index readers."""

from __future__ import annotations

import numpy as np
import pytest

from seisem._errors import ParameterError, ReadError
from seisem.geomag import (
    daily_activity,
    horizontal_nt,
    k_values,
    quiet_day_curves,
    read_dst,
    read_kp,
    read_planetary_index,
    window_ranges,
)


def _days(n_days=5, amp=20.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_days * 1440) / 1440.0
    x = (
        amp * np.sin(2 * np.pi * t)
        + 0.3 * amp * np.sin(4 * np.pi * t + 1)
        + 0.5 * rng.standard_normal(t.size)
    )
    return x.reshape(n_days, 1440)


def test_quiet_day_curve_removes_the_regular_variation_and_keeps_a_storm():
    days = _days()
    curves = quiet_day_curves(days)
    assert np.nanmax(np.abs(days[1:-1] - curves[1:-1])) < 3.0  # the daily variation is gone, noise stays
    quiet = window_ranges(days)
    stormy = days.copy()
    stormy[2, 600:780] -= 60.0 * np.hanning(180)  # a 3-hour, 60 nT bay in the third day
    r = window_ranges(stormy)
    assert np.nanmax(r[2]) > 40 and np.nanmax(quiet[2]) < 6
    a = daily_activity([stormy], l9=500)
    assert np.argmax(a["activity_range"]) == 2 and a["activity_k_max"][2] >= 4
    assert np.argmax(a["activity_log_range"]) == 2


def test_spikes_do_not_set_the_range_and_gaps_give_nan():
    days = _days()
    days[1, 100] += 500.0  # one bad sample
    days[3, :] = np.nan
    r = window_ranges(days)
    assert np.nanmax(r[1]) < 6 and np.isnan(r[3]).all()


def test_k_scale_niemegk_and_l9():
    r = np.array([0, 4.9, 5, 39.9, 40, 499, 500, 1e4, np.nan])
    assert k_values(r).tolist()[:-1] == [0, 0, 1, 3, 4, 8, 9, 9] and np.isnan(k_values(r)[-1])
    assert k_values([300.0], l9=300).tolist() == [9.0] and k_values([299.0], l9=300).tolist() == [8.0]
    with pytest.raises(ParameterError, match="l9=0"):
        k_values([1.0], l9=0)


def test_horizontal_components():
    h = horizontal_nt({"H": np.full(3, 30000.0), "D": np.array([0.0, 60.0, -60.0]), "Z": np.zeros(3)})
    assert set(h) == {"H", "D_nT"} and np.allclose(h["D_nT"], [0, 30000 * np.pi / 180, -30000 * np.pi / 180])
    assert set(horizontal_nt({"X": np.ones(2), "Y": np.ones(2)})) == {"X", "Y"}
    with pytest.raises(ParameterError, match="no horizontal components"):
        horizontal_nt({"Z": np.ones(2)})


KP = """#YYY MM DD hh.h hh._m        days      days_m     Kp     ap  D
2011 03 01 00.0 01.50 28913.00000 28913.06250  4.667   39  1
2011 03 01 03.0 04.50 28913.12500 28913.18750  5.333   56  1
2011 03 02 00.0 01.50 28914.00000 28914.06250  1.000    4  1
2011 03 02 03.0 04.50 28914.12500 28914.18750 -1.000   -1  0
"""


def _dst_line(year, month, day, values, base=0):
    vals = "".join(f"{v:4d}" for v in values)
    mean = int(np.mean([v for v in values if v != 9999]))
    return f"DST{year % 100:02d}{month:02d}*{day:02d}  X2{year // 100:02d}{base:4d}{vals}{mean:4d}\n"


def test_read_kp_and_dst(tmp_path):
    kp = tmp_path / "Kp_ap_since_1932.txt"
    kp.write_text(KP)
    t = read_kp(kp)
    assert t["date"].tolist() == ["2011-03-01", "2011-03-02"]
    assert np.allclose(t["kp_max"], [5.333, 1.0]) and np.allclose(t["kp_sum"], [10.0, 1.0])  # -1 = missing
    dst = tmp_path / "dst1103.for.request"
    line1 = _dst_line(2011, 3, 1, [-10] * 12 + [-80] + [-40] * 11)
    line2 = _dst_line(2011, 3, 2, [5] * 23 + [9999])
    assert len(line1) == 121  # 120 columns and the newline
    dst.write_text(line1 + line2)
    d = read_dst(dst)
    assert d["date"].tolist() == ["2011-03-01", "2011-03-02"] and d["dst_min"].tolist() == [-80.0, 5.0]
    kind, table = read_planetary_index(dst)
    assert kind == "Dst" and table["planetary_activity"].tolist() == [80.0, -5.0]
    kind, table = read_planetary_index(kp)
    assert kind == "Kp" and table["planetary_activity"].max() == pytest.approx(5.333)
    bad = tmp_path / "bad.txt"
    bad.write_text("2011 03 01 x\n")
    with pytest.raises(ReadError, match="line 1: not the GFZ Kp layout"):
        read_kp(bad)
    with pytest.raises(ReadError, match="not a WDC Kyoto Dst line"):
        read_dst(bad)


def test_march_2011_disturbed_days_stand_out(real):
    """MMB and CBI, March 2011: the days the data README calls disturbed (03-01, 03-10/11)
    have a higher index than the month's median day."""
    from seisem.data.series import day_matrix, regularize
    from seisem.io import read_iaga2002

    days = np.arange(np.datetime64("2011-03-01"), np.datetime64("2011-04-01"))
    for code in ("mmb", "cbi"):
        r = read_iaga2002(real / "iaga2002" / f"{code}201103dmin.min")
        mats = [day_matrix(regularize(r.times, v), days) for v in horizontal_nt(r.values).values()]
        a = daily_activity(mats, l9=300.0)
        ks = a["activity_k_sum"]
        med = np.nanmedian(ks)
        assert ks[0] > med and max(ks[9], ks[10]) > med, (code, ks.tolist())
        assert np.nanmax(a["activity_k_max"]) >= 4
