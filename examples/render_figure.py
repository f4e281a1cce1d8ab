"""
Plain vs matched-chirp spectrograms and their images
====================================================

A noisy linear chirp rising at 3.5 Hz/s: its plain and matched-chirp spectrograms
(``chirpstft.plot.specshow``), ``chirpstft.render`` at 32x32, and waveform images of its first
0.8 s. This is also the README's picture.

Usage: ``python examples/render_figure.py [--out docs/render_demo.png]``
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import chirpstft
from chirpstft import plot

FS, RATE = 100.0, 3.5  # Hz, Hz/s


def _shown(path: Path) -> str:
    """``path`` for a message: relative to the working folder when inside it, else
    its name (never an absolute path of this machine, which the docs gallery would
    print)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return Path(path).name


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(
        description="Plain vs matched-chirp spectrograms and their images"
    )
    parser.add_argument("--out", type=Path, default=Path("docs/render_demo.png"))
    args = parser.parse_args(argv)
    t = np.arange(int(8 * FS)) / FS
    x = np.cos(2 * np.pi * (2.0 * t + 0.5 * RATE * t**2)) + 0.1 * np.random.default_rng(
        0
    ).standard_normal(t.size)
    kw = dict(fs=FS, n_fft=128, hop_length=16)
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.2), constrained_layout=True,
                             gridspec_kw={"width_ratios": [3, 3, 2]})  # fmt: skip
    for row, rate in enumerate((0.0, RATE)):
        plan = chirpstft.ChirpSTFT(chirp_rate=rate, fft_mode="twosided", **kw)
        S = plan.stft(x)[:65]  # positive frequencies of the real signal
        plot.specshow(S, fs=FS, hop_length=16, ax=axes[row, 0], colorbar=False)
        entropy = float(chirpstft.renyi_entropy(S))
        axes[row, 0].set_title(
            f"chirp_rate={rate} Hz/s: Rényi entropy {entropy:.2f} bits", fontsize=10
        )
        img = chirpstft.render(x, chirp_rate=rate, size=(32, 32), cmap="magma", **kw)
        axes[row, 1].imshow(img, interpolation="nearest")
        axes[row, 1].set_title("chirpstft.render -> 32x32x3 uint8", fontsize=10)
        axes[row, 1].set_axis_off()
        wave = chirpstft.waveform_image(
            x[:80], size=(32, 32), mode="filled" if row else "line"
        )
        axes[row, 2].imshow(wave[..., 0], cmap="gray", interpolation="nearest")
        axes[row, 2].set_title(
            f"waveform_image (first 0.8 s), mode={'filled' if row else 'line'!r}",
            fontsize=9,
        )
        axes[row, 2].set_axis_off()
    try:
        # written whole under a temporary name, then renamed: no reader sees half a file
        tmp = Path(args.out).with_name(f".{Path(args.out).name}.tmp")
        fig.savefig(tmp, dpi=90, format="png")
        os.replace(tmp, args.out)
    finally:
        plt.close(fig)
    print(f"wrote {_shown(args.out)}")
    return args.out


if __name__ == "__main__":
    main()
