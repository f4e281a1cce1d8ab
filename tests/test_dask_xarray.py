"""Dask arrays (lazy, equal to in memory) and the xarray integration."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import chirpstft

da = pytest.importorskip("dask.array")

FS = 100.0
KW = dict(fs=FS, n_fft=64, hop_length=16)

RATES = {
    "zero": 0.0,
    "constant": 2.0,
    "callable": lambda t: 3.0 * np.sin(t),
    "auto": "auto",
    "auto-smooth": chirpstft.AutoChirp(smooth=3),
}
CHUNKS = {"batch": (2, -1), "time": (3, 700), "both": (2, 333), "tiny": (5, 40)}


def test_import_chirpstft_does_not_import_dask_or_xarray():
    code = "import sys, chirpstft; print(any(m.split('.')[0] in ('dask', 'xarray') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# smooth > 1 needs the time axis in one chunk (its error is tested below)
CASES = [(r, c) for r in RATES for c in CHUNKS if r != "auto-smooth" or c == "batch"]


@pytest.mark.parametrize(("rate", "chunks"), CASES)
@pytest.mark.parametrize("center", [True, False])
def test_dask_stft_equals_in_memory(backend, chunks, rate, center):
    x = np.random.default_rng(1).standard_normal((5, 2500))
    x[3, 1000] = np.nan  # (inf with per-frame rates makes numpy_ref warn: a pre-existing limitation)
    kw = dict(KW, chirp_rate=RATES[rate], center=center, pad_mode="reflect", backend=backend)
    xd = da.from_array(x, chunks=CHUNKS[chunks])
    S = chirpstft.stft(xd, **kw)
    assert isinstance(S, da.Array)  # lazy
    want, want_rates = chirpstft.stft(x, return_rates=True, **kw)
    got = S.compute()
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    P = chirpstft.spectrogram(xd, scaling="psd", **kw)
    assert isinstance(P, da.Array)
    np.testing.assert_array_equal(P.compute(), chirpstft.spectrogram(x, scaling="psd", **kw))
    _, rates = chirpstft.stft(xd, return_rates=True, **kw)
    np.testing.assert_array_equal(np.asarray(rates), want_rates)


@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
def test_dask_long_plain_signal_with_many_chunks(backend, dtype):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 40_000)).astype(dtype)
    if np.iscomplexobj(x):
        x += 1j * rng.standard_normal(x.shape)
    xd = da.from_array(x, chunks=(1, 3000))
    np.testing.assert_array_equal(
        chirpstft.stft(xd, **KW, backend=backend).compute(), chirpstft.stft(x, **KW, backend=backend)
    )


def test_dask_plan_methods_and_render(rng):
    x = rng.standard_normal((6, 1440)).astype(np.float32)
    xd = da.from_array(x, chunks=(4, 500))
    plan = chirpstft.ChirpSTFT(fs=1 / 60, n_fft=128, hop_length=32, chirp_rate=1e-7)
    np.testing.assert_array_equal(plan.stft(xd).compute(), plan.stft(x))
    np.testing.assert_array_equal(plan.spectrogram(xd, "power").compute(), plan.spectrogram(x, "power"))
    for layout in ["NHWC", "NCHW"]:
        kw = dict(
            fs=1 / 60,
            n_fft=128,
            hop_length=32,
            size=(16, 24),
            cmap="viridis",
            layout=layout,
            chirp_rate="auto",
        )
        img = chirpstft.render(xd, **kw)
        assert isinstance(img, da.Array)
        want = chirpstft.render(x, **kw)
        assert img.shape == want.shape and img.dtype == want.dtype
        np.testing.assert_array_equal(img.compute(), want)


def test_dask_errors():
    xd = da.from_array(np.zeros((2, 1000)), chunks=(1, 100))
    with pytest.raises(
        chirpstft.ParameterError, match=r"smooth=3 averages over neighbouring frames.*rechunk"
    ):
        chirpstft.stft(xd, chirp_rate=chirpstft.AutoChirp(smooth=3), **KW)
    with pytest.raises(chirpstft.ParameterError, match=r"fewer than n_fft=64"):
        chirpstft.stft(da.zeros((2, 10), chunks=5), center=False, **KW)
    with pytest.raises(chirpstft.ParameterError, match=r"x is empty"):
        chirpstft.stft(da.zeros((2, 0), chunks=5), **KW)


# --------------------------------------------------------------------------- xarray
def _xr():
    return pytest.importorskip("xarray")


def _minutes(n=1440, stations=("A", "B", "C")):
    xr = _xr()
    time = np.datetime64("2021-03-01T00:00") + np.arange(n) * np.timedelta64(60, "s")
    data = np.random.default_rng(3).standard_normal((len(stations), n))
    return xr.DataArray(
        data,
        dims=("station", "time"),
        coords={"station": list(stations), "time": time},
        name="Z",
        attrs={"units": "nT"},
    )


def test_xarray_stft_labels_and_values():
    import chirpstft.xarray as cx

    arr = _minutes()
    S = cx.stft(arr, n_fft=128, hop_length=32, chirp_rate="auto")
    plain, rates = chirpstft.stft(
        arr.values, fs=1 / 60, n_fft=128, hop_length=32, chirp_rate="auto", return_rates=True
    )
    assert S.dims == ("station", "frequency", "time")
    np.testing.assert_array_equal(S.values, plain)
    np.testing.assert_array_equal(S.chirp_rate.values, rates)
    assert list(S.station.values) == ["A", "B", "C"]
    np.testing.assert_allclose(S.frequency.values, np.fft.fftfreq(128, 60.0))
    assert S.frequency.attrs["units"] == "Hz"
    assert S.time.dtype.kind == "M" and S.time.values[0] == arr.time.values[0]
    assert S.time.values[2] - S.time.values[0] == np.timedelta64(2 * 32 * 60, "s")
    assert (
        S.attrs["fs"] == pytest.approx(1 / 60) and S.attrs["n_fft"] == 128 and S.attrs["chirp_rate"] == "auto"
    )
    assert S.attrs["fft_mode"] == "twosided" and S.attrs["window"] == "hann"
    # the recorded rates invert exactly
    y = chirpstft.istft(
        S.values,
        fs=S.attrs["fs"],
        n_fft=128,
        hop_length=32,
        chirp_rate=S.chirp_rate.values,
        length=arr.sizes["time"],
        real=True,
    )
    np.testing.assert_allclose(y, arr.values, atol=1e-10)


def test_xarray_spectrogram_accessor_other_dim_and_numeric_time():
    xr = _xr()
    import chirpstft.xarray  # registers the accessor

    arr = _minutes().transpose("time", "station")  # time not last: moved
    P = arr.chirpstft.spectrogram(n_fft=64, hop_length=16, scaling="psd")
    assert P.dims == ("station", "frequency", "time")
    np.testing.assert_allclose(
        P.values,
        chirpstft.spectrogram(
            arr.transpose("station", "time").values, fs=1 / 60, n_fft=64, hop_length=16, scaling="psd"
        ),
        rtol=1e-12,
    )
    assert P.attrs["scaling"] == "psd" and P.frequency.size == 33
    secs = xr.DataArray(np.ones(500), dims="t", coords={"t": 10.0 + np.arange(500) / 50.0})
    Q = secs.chirpstft.stft(dim="t", n_fft=32, hop_length=8)
    assert Q.dims == ("frequency", "t") and Q.attrs["fs"] == pytest.approx(50.0)
    np.testing.assert_allclose(Q.t.values[:3], 10.0 + np.array([0, 8, 16]) / 50.0)
    bare = xr.DataArray(np.ones(300), dims="time")
    R = bare.chirpstft.stft(fs=5.0, n_fft=32, hop_length=8)
    np.testing.assert_allclose(R.time.values[:2], [0.0, 1.6])


def test_xarray_dask_backed_is_lazy():
    import chirpstft.xarray as cx

    arr = _minutes().chunk({"station": 1, "time": 500})
    S = cx.stft(arr, n_fft=128, hop_length=32, chirp_rate=2e-7)
    assert isinstance(S.data, da.Array)
    np.testing.assert_array_equal(
        S.values, chirpstft.stft(arr.values, fs=1 / 60, n_fft=128, hop_length=32, chirp_rate=2e-7)
    )


def test_xarray_errors():
    xr = _xr()
    import chirpstft.xarray as cx

    arr = _minutes()
    with pytest.raises(chirpstft.ParameterError, match=r"dim='t' is not a dimension of the DataArray"):
        cx.stft(arr, dim="t")
    with pytest.raises(chirpstft.ParameterError, match=r"has no 'time' coordinate.*pass fs"):
        cx.stft(xr.DataArray(np.ones(300), dims="time"))
    irregular = xr.DataArray(np.ones(4), dims="time", coords={"time": [0.0, 1.0, 3.0, 4.0]})
    with pytest.raises(chirpstft.ParameterError, match=r"not regularly increasing"):
        cx.stft(irregular, n_fft=2)
    with pytest.raises(chirpstft.InputTypeError, match=r"da must be an xarray.DataArray"):
        cx.stft(np.ones(100))
