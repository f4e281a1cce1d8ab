"""Regular series, station-day matrices, QC and normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from seisem import ParameterError
from seisem.data import QCConfig, day_matrix, normalize_days, regularize, screen_days


def _t(*stamps):
    return np.array(stamps, dtype="datetime64[ns]")


def test_regularize_grid_gaps_duplicates():
    t = _t(
        "2020-01-01T00:00", "2020-01-01T00:01", "2020-01-01T00:01", "2020-01-01T00:03:20", "2020-01-01T00:04"
    )
    v = [1.0, 2.0, 4.0, 5.0, np.nan]
    r = regularize(t, v)
    np.testing.assert_array_equal(r.values, [1.0, 3.0, np.nan, 5.0, np.nan])
    assert r.report() == {
        "samples": 5,
        "missing": 2,
        "duplicates_merged": 2,
        "off_grid_snapped": 1,
        "nonfinite_values": 1,
    }
    assert regularize(t, v, duplicates="first").values[1] == 2.0
    assert regularize(t, v, duplicates="last").values[1] == 4.0
    with pytest.raises(ParameterError, match=r"2 samples share grid points.*00:01"):
        regularize(t, v, duplicates="raise")
    with pytest.raises(ParameterError, match="interval_s=0"):
        regularize(t, v, interval_s=0)
    assert r.times[3] == np.datetime64("2020-01-01T00:03")


def test_day_matrix_time_zones():
    t = np.datetime64("2020-01-01T00:00", "ns") + np.arange(3 * 1440).astype("timedelta64[m]")
    r = regularize(t, np.arange(t.size, dtype=float))
    m = day_matrix(r, np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"))
    np.testing.assert_array_equal(m[1], np.arange(1440, 2880))
    m8 = day_matrix(r, np.array(["2020-01-01", "2020-01-04"], dtype="datetime64[D]"), tz="+08:00")
    assert np.isnan(m8[0, :480]).all() and m8[0, 480] == 0  # local midnight is 16:00 UTC the day before
    assert np.isnan(m8[1, 480:]).all() and m8[1, 0] == 3 * 1440 - 480


def test_screen_days_reasons_and_filling():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 1440))
    x[1, :200] = np.nan  # 13.9 % missing
    x[2, 100:400] = 3.0  # stuck for 300 samples
    x[3, 500:520] = x[3].max() + 1  # clipped at the top for 20 samples
    x[4, 10:15] = np.nan  # short gap: interpolated
    x[4, 900:960] = np.nan  # long gap: median
    x[5] = 7.0  # no variation
    filled, qc = screen_days(x)
    assert list(qc["qc_status"]) == ["ok", "missing", "flat", "saturated", "ok", "flat"]
    assert qc["qc_missing_fraction"][1] == pytest.approx(200 / 1440)
    assert qc["qc_longest_flat"][2] == 300 and qc["qc_saturated_samples"][3] == 20
    assert qc["qc_interpolated_samples"][4] == 5 and qc["qc_median_filled_samples"][4] == 60
    np.testing.assert_allclose(filled[4, 10:15], np.linspace(x[4, 9], x[4, 15], 7)[1:-1])
    assert np.isfinite(filled[4]).all()
    assert np.isnan(filled[1, :200]).all()  # failed days are left alone
    loose = screen_days(x, QCConfig(max_missing=0.2, max_flat_samples=400, saturation_min_samples=30))[1]
    assert list(loose["qc_status"]) == ["ok", "ok", "ok", "ok", "ok", "flat"]
    with pytest.raises(ParameterError, match=r"max_missing=1\.5"):
        QCConfig(max_missing=1.5)


def test_normalize():
    x = np.array([[1.0, 3.0, 2.0], [5.0, 5.0, 5.0]])
    np.testing.assert_allclose(normalize_days(x), [[0, 1, 0.5], [0.5, 0.5, 0.5]])
    r = normalize_days(np.array([[0.0, 1.0, 2.0, 3.0, 100.0]]), method="station-robust")
    assert r.min() >= 0 and r.max() == 1.0 and r[0, 2] == 0.5
    with pytest.raises(ParameterError, match="normalize='zscore'"):
        normalize_days(x, method="zscore")
