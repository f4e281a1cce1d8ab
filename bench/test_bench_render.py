"""Signals to 32x32x3 uint8 spectrogram images: chirpstft fused vs unfused vs the paper's toolchain.

The paper's toolchain: ``librosa.stft`` + ``librosa.amplitude_to_db`` + a resize per image
with Pillow (box filter = area averaging) + a matplotlib colormap.
"""

from __future__ import annotations

import numpy as np
import pytest

import chirpstft
from chirpstft._benchmark import IMAGE_CMAP, IMAGE_SIZE

from .conftest import BATCH, FS, HOP, N_FFT, N_SAMPLES

SIZE = IMAGE_SIZE
KW = dict(fs=FS, n_fft=N_FFT, hop_length=HOP, size=SIZE, cmap=IMAGE_CMAP)


def unfused(x):
    """chirpstft's complex STFT, then NumPy post-processing (|S|^2, dB, resize, colormap)."""
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, fft_mode="centered")
    S = plan.stft(x)
    keep = plan.frequencies("centered") >= 0
    return chirpstft.spectrogram_image(np.abs(S[..., keep, :]) ** 2, size=SIZE, cmap=IMAGE_CMAP)


def librosa_toolchain(x):
    librosa = pytest.importorskip("librosa")
    matplotlib = pytest.importorskip("matplotlib")
    from PIL import Image

    S = librosa.stft(x, n_fft=N_FFT, hop_length=HOP)
    db = librosa.amplitude_to_db(np.abs(S), ref=np.max)
    lut = matplotlib.colormaps[IMAGE_CMAP]
    out = np.empty((x.shape[0], *SIZE, 3), dtype=np.uint8)
    for i in range(x.shape[0]):
        img = db[i][::-1]
        small = np.asarray(Image.fromarray(img.astype(np.float32), mode="F").resize(SIZE[::-1], Image.BOX))
        v = (small - small.min()) / max(float(np.ptp(small)), 1e-12)
        out[i] = (lut(v)[..., :3] * 255).astype(np.uint8)
    return out


@pytest.mark.benchmark(group=f"7 render: {BATCH} x {N_SAMPLES} -> {SIZE[0]}x{SIZE[1]}x3 uint8 ({IMAGE_CMAP})")
@pytest.mark.parametrize("impl", ["chirpstft-fused-numba", "chirpstft-unfused", "librosa+Pillow+matplotlib"])
def test_7_render(benchmark, day_batch, impl):
    ref = chirpstft.render(day_batch[:64], backend="numpy", **KW)
    if impl == "chirpstft-fused-numba":

        def fn(x):
            return chirpstft.render(x, backend="numba", **KW)

        check = chirpstft.render(day_batch[:64], backend="numba", **KW)
        assert np.abs(check.astype(int) - ref.astype(int)).max() <= 4
    elif impl == "chirpstft-unfused":
        fn = unfused
        np.testing.assert_array_equal(fn(day_batch[:64]).shape, ref.shape)
        assert np.abs(fn(day_batch[:64]).astype(int) - ref.astype(int)).max() <= 4
    else:
        fn = librosa_toolchain
        assert fn(day_batch[:64]).shape == ref.shape  # its own dB/resize conventions
    benchmark(fn, day_batch)
