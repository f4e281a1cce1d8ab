"""chirpstft.plot.specshow: the frequency axis follows what it is given (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

import chirpstft

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from chirpstft import plot  # noqa: E402

FS = 1 / 60
F0 = 3e-3  # a 3 mHz tone


def _peak_mhz(mesh) -> float:
    """Frequency (axis units) of the row holding the largest value."""
    coords = mesh.get_coordinates()  # cell edges, shape (rows + 1, cols + 1, 2)
    arr = np.asarray(mesh.get_array()).reshape(coords.shape[0] - 1, coords.shape[1] - 1)
    edges = coords[:, 0, 1]
    centres = 0.5 * (edges[1:] + edges[:-1])
    return float(centres[np.unravel_index(np.argmax(arr), arr.shape)[0]])


def _tone(analytic: bool):
    t = np.arange(1440) / FS
    return np.exp(2j * np.pi * F0 * t) if analytic else np.cos(2 * np.pi * F0 * t)


@pytest.mark.parametrize("fft_mode", ["twosided", "centered"])
def test_two_sided_and_centred_are_drawn_at_the_true_frequency(fft_mode):
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=128, hop_length=16, fft_mode=fft_mode)
    S = plan.stft(_tone(analytic=True))
    assert S.shape[0] == 128
    for kw in ({"plan": plan}, {"fs": FS, "hop_length": 16, "n_fft": 128, "fft_mode": fft_mode}):
        fig, ax = plt.subplots()
        mesh = plot.specshow(S, ax=ax, colorbar=False, **kw)
        # before issue 13 a twosided STFT was spread over 0..fs/2: 3 mHz was drawn at 1.5 mHz
        assert _peak_mhz(mesh) == pytest.approx(3.0, abs=0.15)
        lo, hi = ax.get_ylim()
        assert lo < -8 and hi > 8  # negative frequencies below zero, up to +-fs/2 = 8.33 mHz
        plt.close(fig)


def test_chirped_plan_default_mode_is_read_from_the_plan():
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=128, hop_length=16, chirp_rate=3e-9)
    S = plan.stft(_tone(analytic=False))  # chirped: twosided by default
    fig, ax = plt.subplots()
    mesh = plot.specshow(S, plan=plan, ax=ax, colorbar=False)
    assert abs(_peak_mhz(mesh)) == pytest.approx(3.0, abs=0.15)
    plt.close(fig)


def test_onesided_still_works_and_ambiguity_is_an_error():
    S1 = chirpstft.stft(_tone(analytic=False), fs=FS, n_fft=128, hop_length=16)
    assert S1.shape[0] == 65
    fig, ax = plt.subplots()
    mesh = plot.specshow(S1, fs=FS, hop_length=16, ax=ax, colorbar=False)
    assert _peak_mhz(mesh) == pytest.approx(3.0, abs=0.15) and ax.get_ylim()[0] >= -0.1
    plt.close(fig)
    S2 = chirpstft.stft(_tone(analytic=False), fs=FS, n_fft=128, hop_length=16, fft_mode="twosided")
    with pytest.raises(chirpstft.ParameterError, match=r"128 rows: twosided output.*Pass fft_mode"):
        plot.specshow(S2, fs=FS, hop_length=16)
    with pytest.raises(chirpstft.ParameterError, match=r"twosided.*or centered.*Pass fft_mode"):
        plot.specshow(S2, fs=FS, hop_length=16, n_fft=128)
    with pytest.raises(chirpstft.ParameterError, match=r"fft_mode='sideways' is not supported"):
        plot.specshow(S2, fs=FS, hop_length=16, n_fft=128, fft_mode="sideways")
    with pytest.raises(chirpstft.ParameterError, match=r"S has 128 rows but fft_mode='onesided'"):
        plot.specshow(S2, fs=FS, hop_length=16, n_fft=128, fft_mode="onesided")
    with pytest.raises(chirpstft.ParameterError, match="hop_length is required"):
        plot.specshow(S1, fs=FS)
