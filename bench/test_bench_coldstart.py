"""Case 10, a new user's first minute: a fresh process with an empty Numba cache.

Each round starts ``bench/coldstart.py`` in a new process with its own empty ``NUMBA_CACHE_DIR``
and times it from start to the fourth answer (interpreter start and imports included). The
per-call seconds the script measures go into ``extra_info`` (medians over the rounds). Peers:
librosa and scipy, which answer at once; ``chirpstft-named`` (``backend="numba"``) is the
first call that waits for its kernels, as every call did before the background compile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from .coldstart import case_json

SCRIPT = Path(__file__).with_name("coldstart.py")


def _fresh(impl: str, cache: str | None) -> dict:
    env = dict(os.environ, CHIRPSTFT_BACKGROUND_COMPILE="1")
    with tempfile.TemporaryDirectory() as empty:
        env["NUMBA_CACHE_DIR"] = cache or empty
        r = subprocess.run(
            [sys.executable, str(SCRIPT), impl, case_json()],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
        )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    cache = str(tmp_path_factory.mktemp("numba-cache"))
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    subprocess.run(
        [sys.executable, "-m", "chirpstft", "warmup", "--quiet", "--dtypes", "float32,float64"],
        check=True,
        env=env,
        timeout=1800,
    )
    return cache


@pytest.mark.benchmark(
    group="10 cold start: fresh process, first 4 calls (stft, istft, render, float64 stft)"
)
@pytest.mark.parametrize(
    "impl", ["chirpstft-numba", "chirpstft-warm-cache", "chirpstft-named", "librosa", "scipy"]
)
def test_10_cold_start(benchmark, impl, request):
    if impl == "librosa":
        pytest.importorskip("librosa")
    cache = request.getfixturevalue("warm_cache") if impl == "chirpstft-warm-cache" else None
    name = {"chirpstft-numba": "chirpstft", "chirpstft-warm-cache": "chirpstft"}.get(impl, impl)
    runs = []
    # the named backend compiles every kernel in the foreground: about a minute per round
    rounds = 2 if impl == "chirpstft-named" else 5
    benchmark.pedantic(lambda: runs.append(_fresh(name, cache)), rounds=rounds, iterations=1)
    for key in ("import_s", "first_call_s", "four_calls_s"):
        benchmark.extra_info[key] = float(np.median([r[key] for r in runs]))
