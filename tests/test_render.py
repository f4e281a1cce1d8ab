"""Rendering to image tensors: each step against an independent expectation."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

import chirpstft
from chirpstft.backends import get_backend

render_mod = importlib.import_module("chirpstft.render")  # the module, not the function


def test_to_db_matches_librosa():
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(0)
    P = rng.exponential(size=(40, 30)) ** 3
    for kw in (dict(ref=1.0), dict(ref=np.max), dict(ref=np.max, top_db=40.0), dict(ref=2.0, top_db=None)):
        ours = chirpstft.to_db(
            P, ref="max" if kw["ref"] is np.max else kw["ref"], top_db=kw.get("top_db", 80.0)
        )
        np.testing.assert_allclose(ours, librosa.power_to_db(P, **kw), atol=1e-10)
    M = np.sqrt(P)
    np.testing.assert_allclose(
        chirpstft.to_db(M, kind="magnitude", ref="max"), librosa.amplitude_to_db(M, ref=np.max), atol=1e-9
    )


def test_to_db_is_per_image():
    P = np.stack([np.full((4, 4), 1.0), np.full((4, 4), 100.0)])
    P[1, 0, 0] = 1e-20
    db = chirpstft.to_db(P, ref="max", top_db=30.0)
    assert np.all(db[0] == 0)
    assert db[1].min() == pytest.approx(-30.0)


def test_normalize_per_image_and_fixed_range():
    D = np.array([[[0.0, 10.0], [5.0, 10.0]], [[-80.0, -80.0], [-80.0, -80.0]]])
    v = chirpstft.normalize(D)
    np.testing.assert_allclose(v[0], [[0, 1], [0.5, 1]])
    assert np.all(v[1] == 0)  # constant image
    np.testing.assert_allclose(chirpstft.normalize(D, db_range=(-80.0, 0.0))[1], 0.0)
    np.testing.assert_allclose(chirpstft.normalize(D, db_range=(0.0, 20.0))[0], [[0, 0.5], [0.25, 0.5]])
    nan = D.copy()
    nan[0, 0, 0] = np.nan
    out = chirpstft.normalize(nan)
    assert out[0, 0, 0] == 0 and np.isfinite(out).all()


@pytest.mark.parametrize(
    ("shape", "size"), [((64, 46), (32, 32)), ((65, 46), (32, 32)), ((100, 77), (7, 13))]
)
def test_area_resize_preserves_the_mean(shape, size):
    img = np.random.default_rng(1).random(shape)
    out = chirpstft.resize(img, size)
    assert out.shape == size
    assert out.mean() == pytest.approx(img.mean(), rel=1e-12)
    # integer factor: plain block means
    sq = np.random.default_rng(2).random((8, 6))
    np.testing.assert_allclose(chirpstft.resize(sq, (4, 3)), sq.reshape(4, 2, 3, 2).mean(axis=(1, 3)))


def test_bilinear_enlarge_keeps_constants_and_ramps():
    assert np.allclose(chirpstft.resize(np.full((3, 5), 7.0), (12, 20)), 7.0)
    ramp = np.tile(np.arange(4.0), (2, 1))  # x = 0..3 along width
    out = chirpstft.resize(ramp, (2, 8))
    # half-pixel centres: output column c sits at input position (c + 0.5)/2 - 0.5
    expected = np.clip((np.arange(8) + 0.5) / 2 - 0.5, 0, 3)
    np.testing.assert_allclose(out[0], expected)


def test_pure_tone_lights_one_row_at_its_height():
    # 128 bins (0 .. fs/2) shrink to 32 rows of 4 bins; bin 34 sits inside row 8 (bins 32-35)
    fs, n = 1000.0, 4096
    f0 = 34 * fs / 256
    x = np.sin(2 * np.pi * f0 * np.arange(n) / fs)
    img = chirpstft.render(x, fs=fs, n_fft=256, hop_length=64, size=(32, 32), dtype="float32")[..., 0]
    rows = img.mean(axis=1)
    brightest = int(np.argmax(rows))  # index from the top; low frequencies at the bottom
    assert 31 - brightest == 8
    # Hann: bins 33, 34, 35 at -6, 0, -6 dB, bin 32 at the -80 dB floor -> (0 + .925 + 1 + .925) / 4
    assert rows[brightest] == pytest.approx(0.71, abs=0.03)
    assert np.delete(rows, brightest).max() < 0.1


def test_layouts_channels_and_dtypes():
    x = np.random.default_rng(3).standard_normal((2, 3, 2000))
    kw = dict(n_fft=128, hop_length=32, size=(16, 24))
    nhwc = chirpstft.render(x, cmap="magma", **kw)
    assert nhwc.shape == (2, 3, 16, 24, 3) and nhwc.dtype == np.uint8
    nchw = chirpstft.render(x, cmap="magma", layout="NCHW", **kw)
    np.testing.assert_array_equal(np.moveaxis(nchw, -3, -1), nhwc)
    gray = chirpstft.render(x, dtype="float32", **kw)
    assert gray.shape == (2, 3, 16, 24, 1) and gray.dtype == np.float32
    assert 0 <= gray.min() and gray.max() <= 1
    np.testing.assert_array_equal(chirpstft.render(x, **kw), np.rint(gray * 255).astype(np.uint8))
    three = chirpstft.render(x, channels=3, **kw)
    assert np.all(three == three[..., :1])


def test_colormap_endpoints_and_tables_match_matplotlib():
    assert np.all(chirpstft.colorize(np.array([0.0]), "gray")[0] == 0)
    assert np.all(chirpstft.colorize(np.array([1.0]), "gray")[0] == 1)
    matplotlib = pytest.importorskip("matplotlib")
    for name in render_mod.COLORMAPS[1:]:
        lut = matplotlib.colormaps[name](np.linspace(0, 1, 256))[:, :3]
        np.testing.assert_array_equal(render_mod._lut(name), lut)
        np.testing.assert_array_equal(chirpstft.colorize(np.array([0.0, 1.0]), name), lut[[0, 255]])


def test_identical_output_without_matplotlib(monkeypatch):
    x = np.random.default_rng(4).standard_normal((2, 3000))
    with_mpl = chirpstft.render(x, n_fft=128, cmap="viridis")
    render_mod._lut.cache_clear()
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    try:
        without = chirpstft.render(x, n_fft=128, cmap="viridis")
        with pytest.raises(chirpstft.ParameterError, match="other names need matplotlib"):
            chirpstft.render(x, n_fft=128, cmap="coolwarm")
    finally:
        render_mod._lut.cache_clear()
    np.testing.assert_array_equal(with_mpl, without)


def test_frequency_band_and_chirped_real_signal():
    fs = 100.0
    x = np.random.default_rng(5).standard_normal(3000)
    full = chirpstft.render(x, fs=fs, n_fft=64, chirp_rate=2.0, size=(33, 20), dtype="float32")
    assert full.shape == (33, 20, 1)
    band = chirpstft.render(x, fs=fs, n_fft=64, fmin=10.0, fmax=20.0, size=(8, 20))
    assert band.shape == (8, 20, 1)


def test_nonfinite_samples_render_as_bottom_of_scale():
    x = np.random.default_rng(6).standard_normal(4000)
    x[2000:2100] = np.nan
    img = chirpstft.render(x, n_fft=128, hop_length=32, size=(32, 64), dtype="float32")
    assert np.isfinite(img).all()
    assert img[:, 31:34].max() < 0.2  # the NaN frames (around column 32) are dark


def test_render_backends_agree():
    x = np.random.default_rng(7).standard_normal((3, 1440)).astype(np.float32)
    kw = dict(fs=1 / 60, n_fft=128, hop_length=32, chirp_rate=2e-8, dtype="float32", cmap="viridis")
    ref = chirpstft.render(x, backend="numpy", **kw)
    for backend in chirpstft.available_backends():
        np.testing.assert_allclose(chirpstft.render(x, backend=backend, **kw), ref, atol=2 / 255)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(size=(0, 32)), r"size\[0\] \(height\)=0 must be a positive integer"),
        (dict(size=(32,)), r"size=\(32,\) must be a \(height, width\) pair"),
        (dict(cmap="nope"), r"cmap='nope' is not a known colormap"),
        (dict(layout="NWHC"), r"layout='NWHC' is not supported; choose one of 'NHWC', 'NCHW'"),
        (dict(dtype="float64"), r"dtype='float64' is not supported; choose one of 'uint8', 'float32'"),
        (dict(channels=2), r"channels=2 must be 1 or 3"),
        (dict(cmap="viridis", channels=1), r"a colormap gives 3 channels"),
        (dict(fmin=20.0, fmax=10.0), r"fmin=20.0 must be less than fmax=10.0"),
        (dict(fmin=1000.0), r"no frequency bin lies in \[fmin, fmax\]"),
        (dict(db_range=(0, 0)), r"db_range=\(0, 0\) must be finite with low < high"),
        (dict(top_db=-1), r"top_db=-1 must be >= 0 or None"),
        (dict(ref="min"), r"ref='min' is not supported; choose one of 'max'"),
    ],
)
def test_render_errors(kwargs, match):
    x = np.random.default_rng(8).standard_normal(1000)
    with pytest.raises(chirpstft.ParameterError, match=match):
        chirpstft.render(x, fs=100.0, n_fft=64, **kwargs)


# ----------------------------------------------------------------------------- waveforms
def test_waveform_constant():
    line = chirpstft.waveform_image(np.full(50, 3.0), size=(8, 10), mode="line")[..., 0]
    lit = np.flatnonzero(line.any(axis=1))
    assert list(lit) == [3]  # value 0.5 of 8 rows: row 4 from the bottom = index 3 from the top
    filled = chirpstft.waveform_image(np.full(50, 3.0), size=(8, 10), mode="filled")[..., 0]
    np.testing.assert_array_equal(filled[4:], 255)
    np.testing.assert_array_equal(filled[:4], 0)


def test_waveform_ramp():
    ramp = np.linspace(0.0, 1.0, 200)
    line = chirpstft.waveform_image(ramp, size=(8, 8), mode="line")[..., 0] > 0
    # a diagonal from bottom-left to top-right, at most two pixels per column
    assert line[7, 0] and line[0, 7]
    assert np.all(line.sum(axis=0) <= 2)
    filled = chirpstft.waveform_image(ramp, size=(16, 16), mode="filled", dtype="float32")[..., 0]
    assert filled.mean() == pytest.approx(0.5, abs=0.01)  # the area under a ramp
    binary = chirpstft.waveform_image(ramp, size=(16, 16), mode="binary", dtype="float32")[..., 0]
    assert set(np.unique(binary)) <= {0.0, 1.0}
    assert abs(binary.mean() - 0.5) < 0.05


def test_waveform_step():
    step = np.r_[np.zeros(50), np.ones(50)]
    line = chirpstft.waveform_image(step, size=(10, 10), mode="line")[..., 0] > 0
    assert line[:, 4:6].any(axis=1).all()  # the jump crosses every row near the middle
    assert line[9, :4].all() and line[0, 6:].all()  # flat at the bottom, then at the top
    binary = chirpstft.waveform_image(step, size=(10, 10), mode="binary")[..., 0]
    assert np.all(binary[:, 6:] == 255) and np.all(binary[:, :4] == 0)


def test_waveform_batch_and_errors():
    segs = np.random.default_rng(9).standard_normal((2, 3, 500))
    out = chirpstft.waveform_image(segs, size=(16, 32), layout="NCHW")
    assert out.shape == (2, 3, 1, 16, 32)
    with pytest.raises(chirpstft.ParameterError, match="mode='dots' is not supported"):
        chirpstft.waveform_image(segs, mode="dots")
    with pytest.raises(chirpstft.ParameterError, match="x contains NaN or inf"):
        chirpstft.waveform_image(np.array([1.0, np.nan]))
    with pytest.raises(chirpstft.ParameterError, match=r"size\[1\] \(width\)=-2 must be a positive integer"):
        chirpstft.waveform_image(segs, size=(4, -2))


# ----------------------------------------------------------------------------- plotting
def test_specshow_axes_units_and_dates(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import datetime as dt

    import matplotlib.pyplot as plt

    from chirpstft import plot

    x = np.random.default_rng(10).standard_normal(1440)
    S = chirpstft.stft(x, fs=1 / 60, n_fft=128, hop_length=32)
    fig, ax = plt.subplots()
    mesh = plot.specshow(S, fs=1 / 60, hop_length=32, ax=ax)
    assert ax.get_ylabel() == "frequency (mHz)" and ax.get_xlabel() == "time (s)"
    assert ax.get_ylim()[1] == pytest.approx(1000 / 120, rel=0.05)  # Nyquist of 1/min in mHz
    assert mesh.get_array().max() == pytest.approx(0.0)  # dB re max
    plt.close(fig)
    fig, ax = plt.subplots()
    plot.specshow(S, fs=1 / 60, hop_length=32, ax=ax, start=dt.datetime(2014, 11, 1))
    assert ax.get_xlabel() == "time (UTC)"
    plt.close(fig)
    with pytest.raises(
        chirpstft.ParameterError, match=r"specshow draws one \(n_freqs, n_frames\) spectrogram"
    ):
        plot.specshow(np.stack([S, S]), fs=1 / 60, hop_length=32)


def test_save_png_grid(tmp_path):
    pytest.importorskip("matplotlib")
    from chirpstft import plot

    x = np.random.default_rng(11).standard_normal((5, 1440))
    imgs = chirpstft.render(x, fs=1 / 60, n_fft=128, hop_length=32, cmap="viridis")
    path = plot.save_png(imgs, tmp_path / "grid.png", columns=3, scale=2)
    import matplotlib.image

    back = matplotlib.image.imread(path)
    assert back.shape[:2] == ((2 * 33 - 1) * 2, (3 * 33 - 1) * 2)
    np.testing.assert_allclose(back[:2, :2, :3].mean(axis=(0, 1)), imgs[0, 0, 0] / 255, atol=1 / 255)
    gray = chirpstft.waveform_image(x, layout="NCHW")
    assert plot.save_png(gray, tmp_path / "w.png", layout="NCHW").exists()
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(chirpstft.ParameterError, match="images have 2 channels"):
        plot.save_png(np.zeros((1, 4, 4, 2)), tmp_path / "bad.png")


# ----------------------------------------------------------------------------- fused path
FUSED = [b for b in chirpstft.available_backends() if hasattr(get_backend(b), "render")]


@pytest.mark.parametrize("backend", FUSED)
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(chirp_rate=2e-8),
        dict(chirp_rate="per-frame"),
        dict(cmap="viridis"),
        dict(cmap="magma", layout="NCHW", dtype="float32"),
        dict(channels=3, top_db=None, ref=1e-3),
        dict(db_range=(-60.0, 20.0), fmin=0.001, fmax=0.006),
        dict(size=(50, 70), center=False, pad_mode="reflect"),
        dict(complex_input=True),
        dict(n_fft=100, hop_length=30),
        dict(amin=1e-40, top_db=None, dtype="float32"),
    ],
)
def test_fused_render_equals_reference_pipeline(backend, kwargs):
    kwargs = dict(kwargs)
    rng = np.random.default_rng(12)
    x = rng.standard_normal((6, 1440)).astype(np.float32)
    if kwargs.pop("complex_input", False):
        x = x + 1j * rng.standard_normal(x.shape).astype(np.float32)
    x[2, 500:520] = np.nan
    base = dict(fs=1 / 60, n_fft=kwargs.pop("n_fft", 128), hop_length=kwargs.pop("hop_length", 32))
    if kwargs.get("chirp_rate") == "per-frame":
        m = chirpstft.ChirpSTFT(**base).n_frames(1440)
        kwargs["chirp_rate"] = rng.uniform(-2e-8, 2e-8, (6, m))
    ref = chirpstft.render(x, backend="numpy", **base, **kwargs)
    got = chirpstft.render(x, backend=backend, **base, **kwargs)
    assert got.shape == ref.shape and got.dtype == ref.dtype
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    if ref.dtype == np.uint8:
        # rounding of values within 1e-6 of a level boundary: one level, or one colormap step
        assert diff.max() <= (4 if "cmap" in kwargs else 1)
        assert (diff > 0).mean() < 1e-3
    else:
        assert diff.max() < 1e-4


@pytest.mark.parametrize("cmap", [None, "gray", "viridis"])
@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
@pytest.mark.parametrize("channels", [None, 3])
def test_render_shape_is_what_render_returns(cmap, layout, channels):
    x = np.random.default_rng(3).standard_normal((2, 3, 300))
    kw = dict(size=(12, 7), cmap=cmap, channels=channels, layout=layout)
    img = chirpstft.render(x, n_fft=32, hop_length=8, backend="numpy", **kw)
    assert img.shape == chirpstft.render_shape(**kw, batch_shape=x.shape[:-1])
    assert img.shape[-3:] == chirpstft.render_shape(**kw)


def test_render_shape_gray_has_three_channels_and_checks_its_parameters():
    assert chirpstft.render_shape(size=(4, 5), cmap="gray") == (4, 5, 3)
    assert chirpstft.render_shape(size=(4, 5)) == (4, 5, 1)
    with pytest.raises(chirpstft.ParameterError, match=r"a colormap gives 3 channels: pass channels=3"):
        chirpstft.render_shape(cmap="gray", channels=1)
    with pytest.raises(chirpstft.ParameterError, match="layout"):
        chirpstft.render_shape(layout="HWC")
    with pytest.raises(chirpstft.ParameterError, match="size"):
        chirpstft.render_shape(size=(0, 4))
    with pytest.raises(chirpstft.ParameterError, match="batch_shape"):
        chirpstft.render_shape(batch_shape=(-1,))


def test_render_refuses_an_fft_mode_and_unknown_parameters():
    x = np.ones((2, 300))
    with pytest.raises(chirpstft.ParameterError, match="render got fft_mode='onesided'; images always show"):
        chirpstft.render(x, n_fft=64, fft_mode="onesided")
    with pytest.raises(TypeError, match="nfft"):
        chirpstft.render(x, nfft=64)
