"""One fresh process: import, then the first four calls (stft, istft, render, float64 stft).

Usage: python bench/coldstart.py {chirpstft,chirpstft-named,librosa,scipy} [CASE_JSON]
CASE_JSON: ``{"shape": [B, N], "n_fft": .., "hop": .., "fs": .., "chirp_rate": .., "size": [H, W],
"cmap": ..}``, as ``bench/test_bench_coldstart.py`` passes it from ``chirpstft._benchmark.CASES["coldstart"]``
(run by hand without it, the case is read from there, which imports chirpstft before the clock starts:
pass CASE_JSON for a true cold start).
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


def main(impl: str, t0: float, case: dict) -> None:
    import numpy as np

    x = np.random.default_rng(0).standard_normal(case["shape"]).astype(np.float32)
    n, fs, rate = x.shape[-1], case["fs"], case["chirp_rate"]
    kw = dict(n_fft=case["n_fft"], hop_length=case["hop"])
    if impl.startswith("chirpstft"):
        import chirpstft

        b = dict(backend="numba") if impl == "chirpstft-named" else {}
        t1 = time.perf_counter()
        S = chirpstft.stft(x, fs=fs, chirp_rate=rate, **kw, **b)
        t2 = time.perf_counter()
        chirpstft.istft(S, fs=fs, chirp_rate=rate, length=n, **kw, **b)
        chirpstft.render(x, fs=fs, size=tuple(case["size"]), cmap=case["cmap"], **kw, **b)
        chirpstft.stft(x.astype(np.float64), fs=fs, chirp_rate=rate, **kw, **b)
    elif impl == "librosa":
        import librosa

        t1 = time.perf_counter()
        S = librosa.stft(x, **kw)
        t2 = time.perf_counter()
        librosa.istft(S, length=n, **kw)
        librosa.amplitude_to_db(np.abs(S))
        librosa.stft(x.astype(np.float64), **kw)
    elif impl == "scipy":
        from scipy.signal import ShortTimeFFT
        from scipy.signal.windows import hann

        t1 = time.perf_counter()
        stf = ShortTimeFFT(hann(kw["n_fft"], sym=False), hop=kw["hop_length"], fs=fs)
        S = stf.stft(x)
        t2 = time.perf_counter()
        stf.istft(S, k1=n)
        stf.spectrogram(x)
        stf.stft(x.astype(np.float64))
    else:
        sys.exit(f"unknown implementation {impl!r}")
    t3 = time.perf_counter()
    print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1, "four_calls_s": t3 - t1}), flush=True)
    os._exit(0)


def case_json() -> str:
    """The cold-start case of ``chirpstft._benchmark.CASES`` as this script's CASE_JSON."""
    from chirpstft._benchmark import CASES, IMAGE_CMAP, IMAGE_SIZE

    c = CASES["coldstart"]
    case = {"shape": list(c.shape), "n_fft": c.n_fft, "hop": c.hop, "fs": c.fs, "chirp_rate": c.chirp_rate}
    return json.dumps({**case, "size": list(IMAGE_SIZE), "cmap": IMAGE_CMAP})


if __name__ == "__main__":  # (also imported, not run, by pytest's doctest collection)
    case = json.loads(sys.argv[2] if len(sys.argv) > 2 else case_json())
    main(sys.argv[1], time.perf_counter(), case)
