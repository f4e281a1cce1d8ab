"""
Automatic per-frame chirp rates
===============================

A signal whose chirp rate varies (sinusoidal FM, instantaneous-frequency slope up to
±6 Hz/s) in noise: the plain STFT, ``chirp_rate="auto"``, and the per-frame rates it chose
against the true slope.

Usage: ``python examples/auto_chirp_figure.py [--out docs/auto_chirp.png]``
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

FS, N_FFT, HOP, DUR = 100.0, 256, 32, 30.0  # Hz, samples, samples, s
F_MOD, SLOPE = 1 / 15, 6.0  # modulation frequency (Hz), largest IF slope (Hz/s)


def signal() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sinusoidal FM around 25 Hz: IF 25 + A sin(2 pi F_MOD t), slope to ±SLOPE Hz/s."""
    t = np.arange(int(DUR * FS)) / FS
    amp = SLOPE / (2 * np.pi * F_MOD)
    x = np.cos(
        2 * np.pi * (25 * t - amp / (2 * np.pi * F_MOD) * np.cos(2 * np.pi * F_MOD * t))
    )
    x += 0.2 * np.random.default_rng(0).standard_normal(t.size)
    return t, x, amp


def _shown(path: Path) -> str:
    """``path`` for a message: relative to the working folder when inside it, else
    its name (never an absolute path of this machine, which the docs gallery would
    print)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return Path(path).name


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description="Automatic per-frame chirp rates")
    parser.add_argument("--out", type=Path, default=Path("docs/auto_chirp.png"))
    args = parser.parse_args(argv)
    _, x, amp = signal()
    kw = dict(fs=FS, n_fft=N_FFT, hop_length=HOP)
    S_auto, rates = chirpstft.stft(x, chirp_rate="auto", return_rates=True, **kw)
    S_plain = chirpstft.stft(x, fft_mode="twosided", **kw)
    half = N_FFT // 2 + 1  # the positive frequencies of the real signal
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True)
    for ax, S, label in (
        (axes[0], S_plain, "plain STFT"),
        (axes[1], S_auto, 'chirp_rate="auto"'),
    ):
        plot.specshow(
            S[:half],
            fs=FS,
            hop_length=HOP,
            n_fft=N_FFT,
            ax=ax,
            colorbar=False,
            top_db=60,
        )
        ax.set_ylim(0, 45)
        entropy = float(chirpstft.renyi_entropy(S[:half]))
        ax.set_title(f"{label}: Rényi entropy {entropy:.2f} bits", fontsize=10)
    tc = chirpstft.ChirpSTFT(**kw).times(x.size)
    truth = 2 * np.pi * F_MOD * amp * np.cos(2 * np.pi * F_MOD * tc)
    axes[2].step(tc, rates, where="mid", label="chosen rate (per frame)")
    axes[2].plot(tc, truth, "k--", lw=1, label="true IF slope")
    axes[2].set_xlabel("time (s)")
    axes[2].set_ylabel("chirp rate (Hz/s)")
    axes[2].set_title(
        f"estimate_chirp_rates: grid step {2 / (N_FFT / FS) ** 2:.2f} Hz/s", fontsize=10
    )
    axes[2].legend(fontsize=8, loc="upper right")
    y = chirpstft.istft(S_auto, chirp_rate=rates, length=x.size, real=True, **kw)
    fig.suptitle(
        f"sinusoidal FM, slope up to ±{SLOPE} Hz/s; inverse with the chosen rates: "
        f"max error {np.max(np.abs(y - x)):.1e}",
        fontsize=10,
    )
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
