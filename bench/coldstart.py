"""One fresh process: import, then the first four calls (stft, istft, render, float64 stft).

Usage: python bench/coldstart.py {chirpstft,chirpstft-named,librosa,scipy}
Prints one JSON line: seconds for the import, the first call, and the four calls together.
The process ends with ``os._exit`` as soon as the answers are in: its wall time is the time to a
first result, not the time a background compile takes to finish (run it with an empty
``NUMBA_CACHE_DIR`` for a cold start).
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(impl: str, t0: float) -> None:
    import numpy as np

    x = np.random.default_rng(0).standard_normal((4, 1440)).astype(np.float32)
    kw = dict(n_fft=128, hop_length=32)
    if impl.startswith("chirpstft"):
        import chirpstft

        b = dict(backend="numba") if impl == "chirpstft-named" else {}
        t1 = time.perf_counter()
        S = chirpstft.stft(x, fs=1 / 60, chirp_rate=2e-8, **kw, **b)
        t2 = time.perf_counter()
        chirpstft.istft(S, fs=1 / 60, chirp_rate=2e-8, length=1440, **kw, **b)
        chirpstft.render(x, fs=1 / 60, size=(32, 32), cmap="viridis", **kw, **b)
        chirpstft.stft(x.astype(np.float64), fs=1 / 60, chirp_rate=2e-8, **kw, **b)
    elif impl == "librosa":
        import librosa

        t1 = time.perf_counter()
        S = librosa.stft(x, **kw)
        t2 = time.perf_counter()
        librosa.istft(S, length=1440, **kw)
        librosa.amplitude_to_db(np.abs(S))
        librosa.stft(x.astype(np.float64), **kw)
    elif impl == "scipy":
        from scipy.signal import ShortTimeFFT
        from scipy.signal.windows import hann

        t1 = time.perf_counter()
        stf = ShortTimeFFT(hann(128, sym=False), hop=32, fs=1 / 60)
        S = stf.stft(x)
        t2 = time.perf_counter()
        stf.istft(S, k1=1440)
        stf.spectrogram(x)
        stf.stft(x.astype(np.float64))
    else:
        sys.exit(f"unknown implementation {impl!r}")
    t3 = time.perf_counter()
    print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1, "four_calls_s": t3 - t1}), flush=True)
    os._exit(0)


if __name__ == "__main__":  # (also imported, not run, by pytest's doctest collection)
    main(sys.argv[1], time.perf_counter())
