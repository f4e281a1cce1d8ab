"""The public surface: names, plan caching, attributes, the demo."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import chirpstft

ROOT = Path(__file__).resolve().parents[1]


def test_public_names():
    for name in ("stft", "istft", "spectrogram", "ChirpSTFT", "check_cola", "check_nola", "__version__"):
        assert name in chirpstft.__all__
        assert hasattr(chirpstft, name)
    assert isinstance(chirpstft.__version__, str) and chirpstft.__version__.count(".") == 2


def test_seisem_imports():
    import seisem

    assert seisem.__version__


def test_plan_attributes_and_defaults():
    plan = chirpstft.ChirpSTFT(fs=1 / 60, n_fft=128)
    assert plan.hop_length == 32 and plan.win_length == 128 and plan.center and plan.pad_mode == "constant"
    assert plan.fft_mode == "onesided" and plan.n_freqs == 65
    np.testing.assert_allclose(plan.freqs, np.fft.rfftfreq(128, 60.0))
    assert plan.n_frames(1440) == 46
    np.testing.assert_allclose(plan.times(1440), np.arange(46) * 32 * 60.0)
    chirped = chirpstft.ChirpSTFT(n_fft=16, chirp_rate=0.1)
    assert chirped.fft_mode == "twosided" and chirped.n_freqs == 16
    assert chirpstft.ChirpSTFT(n_fft=3).hop_length == 1
    assert "n_fft=128" in repr(plan)
    w = plan.window
    w[:] = 0  # a copy: the plan is unaffected
    assert plan.window.any()


def test_plan_equals_functions(rng):
    x = rng.standard_normal((2, 500))
    plan = chirpstft.ChirpSTFT(n_fft=50, hop_length=10, chirp_rate=0.002, window=("kaiser", 6.0))
    S = plan.stft(x)
    np.testing.assert_array_equal(
        S, chirpstft.stft(x, n_fft=50, hop_length=10, chirp_rate=0.002, window=("kaiser", 6.0))
    )
    np.testing.assert_array_equal(
        plan.istft(S, length=500),
        chirpstft.istft(S, n_fft=50, hop_length=10, chirp_rate=0.002, window=("kaiser", 6.0), length=500),
    )
    np.testing.assert_allclose(plan.spectrogram(x, "power"), np.abs(S) ** 2, rtol=1e-12)


def test_plan_cache_is_used_and_resettable():
    chirpstft.clear_plan_cache()
    chirpstft.stft(np.ones(100), n_fft=16)
    params = dict(
        fs=1.0,
        n_fft=16,
        hop_length=None,
        win_length=None,
        window="hann",
        chirp_rate=0.0,
        center=True,
        pad_mode="constant",
        fft_mode=None,
        backend=None,
    )
    plan = chirpstft._plan.cached_plan(**params)
    assert chirpstft._plan.cached_plan(**params) is plan
    # 16 and 16.0 are different keys: the float is rejected, never silently reused
    with pytest.raises(chirpstft.InputTypeError):
        chirpstft.stft(np.ones(100), n_fft=16.0)
    chirpstft.clear_plan_cache()
    assert not chirpstft._plan._PLAN_CACHE
    # array parameters are not cached, and still work
    chirpstft.stft(np.ones(100), n_fft=16, window=np.hanning(16))
    assert not chirpstft._plan._PLAN_CACHE


def test_inverse_envelope_cache_is_bounded():
    plan = chirpstft.ChirpSTFT(n_fft=16)
    for n in range(100, 140):
        plan.istft(plan.stft(np.ones(n)), length=n)
    assert len(plan._envelopes) <= 16


def test_plan_cache_is_safe_under_threads(monkeypatch):
    """Threads asking at once for the same plan get one object; many keys at once keep the memo
    bounded and never raise (the memo is shared by streams, Dask workers and users' pools)."""
    import threading

    chirpstft.clear_plan_cache()
    barrier = threading.Barrier(8)
    made = []
    real_init = chirpstft.ChirpSTFT.__init__

    def slow_init(self, *args, **kwargs):  # widen the window between "not cached" and "stored"
        barrier.wait(timeout=30) if len(made) < 8 else None
        made.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(chirpstft.ChirpSTFT, "__init__", slow_init)
    got, errors = [], []

    def same_key():
        try:
            got.append(chirpstft._plan.cached_plan(n_fft=16, hop_length=4))
        except Exception as exc:  # pragma: no cover - what the test is looking for
            errors.append(exc)

    threads = [threading.Thread(target=same_key) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors and len(got) == 8
    assert all(p is got[0] for p in got), "two threads got two plans for one key"
    monkeypatch.setattr(chirpstft.ChirpSTFT, "__init__", real_init)

    def many_keys(seed):
        try:
            for i in range(300):
                n_fft = 8 + (seed * 7 + i) % 48
                chirpstft._plan.cached_plan(n_fft=n_fft)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=many_keys, args=(s,)) for s in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors
    assert len(chirpstft._plan._PLAN_CACHE) <= 32
    chirpstft.clear_plan_cache()


def test_demo_runs(tmp_path):
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("chirp_demo", ROOT / "examples" / "chirp_demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    results = demo.run(tmp_path)
    assert Path(results["png"]).stat().st_size > 10_000
    assert results["renyi_matched_bits"] < results["renyi_plain_bits"] - 0.5
    assert results["error_ls_float64"] < 1e-12 and results["error_ola_float64"] < 1e-12
    assert results["error_ls_float32"] < 1e-6 and results["error_ola_float32"] < 1e-6
    assert demo.main(["--out", str(tmp_path), "--no-plot"]) == 0


def test_readme_figure_script_runs(tmp_path):
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("render_figure", ROOT / "examples" / "render_figure.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(["--out", str(tmp_path / "fig.png")])
    assert out.stat().st_size > 20_000
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # normal permissions, not mkstemp's


@pytest.mark.parametrize("func", ["stft", "spectrogram", "render"])
def test_functional_calls_take_the_plans_parameters_by_name_and_refuse_others(func):
    """stft, spectrogram and render take the plan's parameters as keywords (PlanParams): the
    defaults are ChirpSTFT's, and a misspelt name says which names there are."""
    x = np.random.default_rng(0).standard_normal(300)
    call = getattr(chirpstft, func)
    kw = dict(size=(8, 8)) if func == "render" else {}
    with pytest.raises(
        TypeError, match=rf"{func}\(\) got an unexpected keyword argument 'nfft'; .* fs, n_fft"
    ):
        call(x, nfft=64, **kw)
    assert set(chirpstft._plan.PLAN_PARAMS) == {
        "fs",
        "n_fft",
        "hop_length",
        "win_length",
        "window",
        "chirp_rate",
        "center",
        "pad_mode",
        "fft_mode",
        "backend",
    }
    if func != "render":
        got = call(x, n_fft=64, hop_length=16, fs=2.0)
        want = getattr(chirpstft.ChirpSTFT(n_fft=64, hop_length=16, fs=2.0), func)(x)
        np.testing.assert_array_equal(got, want)
