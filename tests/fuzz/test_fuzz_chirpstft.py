"""Fuzz suite (issue 15): bad and edge inputs for the public chirpstft entry points.

Every outcome is classified: a documented chirpstft error whose message names a parameter it
was given, or a result checked against the NumPy reference backend. Anything else fails.

``FUZZ_PROFILE=ci`` (the default, part of ``make test``) runs a few dozen cases per entry point;
``FUZZ_PROFILE=thorough`` (``make fuzz``) runs 10,000 per entry point. The outcomes per entry
point are printed at the end of the module and, with ``FUZZ_REPORT=path``, written there as JSON.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chirpstft
from chirpstft import ChirpSTFTError

from ._counts import new_counts, report

N = int(
    os.environ.get("FUZZ_EXAMPLES") or {"ci": 25, "thorough": 10_000}[os.environ.get("FUZZ_PROFILE", "ci")]
)
FUZZ = settings(
    max_examples=N,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

#: entry point -> outcome -> number of cases (a case that fails is counted before it fails)
COUNTS = new_counts()


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    report("chirpstft fuzz counts", COUNTS)


weird_numbers = st.one_of(
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 1e-300, 1e300, 1e200, 1e-200, 2**40, 2**62, 0.5, True, 1j]),
)
weird = st.one_of(
    weird_numbers,
    st.none(),
    st.text(max_size=3),
    st.just(()),
    st.just([]),
    st.just([1, [2]]),
    st.tuples(weird_numbers, weird_numbers),
)


def signals():
    small = st.integers(0, 300)
    return st.one_of(
        small.map(lambda n: np.random.default_rng(n).standard_normal(n)),
        small.map(lambda n: np.random.default_rng(n).standard_normal(n).astype(np.float32)),
        st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), max_size=64).map(np.asarray),
        st.just(np.zeros((0, 28))),
        st.just(np.array("abc")),
        st.just([[1.0, 2.0], [1.0]]),
        weird,
    )


PARAMS = {
    "fs": st.one_of(st.floats(1e-3, 1e3), weird_numbers),
    "n_fft": st.one_of(st.integers(1, 128), weird_numbers),
    "hop_length": st.one_of(st.none(), st.integers(1, 64), weird_numbers),
    "win_length": st.one_of(st.none(), st.integers(1, 64), weird_numbers),
    "window": st.one_of(st.sampled_from(["hann", "boxcar", ("kaiser", 8.0), "nope"]), weird),
    "chirp_rate": st.one_of(st.floats(-1, 1), st.just("auto"), weird_numbers, st.text(max_size=3)),
    "center": st.one_of(st.booleans(), weird),
    "pad_mode": st.one_of(st.sampled_from(["constant", "reflect", "edge"]), weird),
    "backend": st.sampled_from([None, *chirpstft.available_backends(), "nope"]),
}


def kwargs_strategy(names):
    return st.fixed_dictionaries({}, optional={k: PARAMS[k] for k in names})


def classify(call, kwargs, names_in_play, entry):
    """Run ``call(**kwargs)``: a documented error naming a parameter, or a result (returned)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call(**kwargs), None
    except ChirpSTFTError as exc:
        msg = str(exc)
        if not any(name in msg for name in names_in_play):
            COUNTS[entry]["unnamed errors"] += 1
            pytest.fail(f"error names no parameter: {msg!r} for {kwargs!r}")
        return None, exc
    except MemoryError as exc:  # pragma: no cover - a size that should have been refused up front
        COUNTS[entry]["memory errors (size not refused up front)"] += 1
        pytest.fail(f"MemoryError (size not refused up front) for {kwargs!r}: {exc}")
    except Exception:
        COUNTS[entry]["undocumented exceptions"] += 1
        raise


def record(entry, out, err, compared=None):
    """Count one case's outcome (``compared``: None where only the result's type is checked)."""
    COUNTS[entry]["cases"] += 1
    if err is not None:
        COUNTS[entry]["documented error naming a parameter"] += 1
    elif compared is None:
        COUNTS[entry]["result of the documented type"] += 1
    elif compared:
        COUNTS[entry]["result equal to the NumPy reference's"] += 1
    else:
        COUNTS[entry]["result on the reference or automatic backend (not compared)"] += 1


NAMES = [
    "x",
    "fs",
    "n_fft",
    "hop_length",
    "win_length",
    "window",
    "chirp_rate",
    "center",
    "pad_mode",
    "backend",
    "S",
    "length",
    "size",
    "tol",
    "candidates",
    "segment",
    "frame",
    "sample",
    "signal",
]


def _against_reference(fn, kwargs, out, entry):
    """Compare a result of another backend with the NumPy reference's; True if compared."""
    if kwargs.get("backend") in (None, "numpy") or out is None:
        return False
    ref, _ = classify(fn, {**kwargs, "backend": "numpy"}, NAMES, entry)
    if ref is None:
        COUNTS[entry]["silent wrong results"] += 1
        pytest.fail(f"backend {kwargs['backend']} accepted what the reference refused: {kwargs!r}")
    out, ref = (out[0], ref[0]) if isinstance(out, tuple) else (out, ref)
    scale = max(float(np.nanmax(np.abs(np.where(np.isfinite(ref), ref, 0)), initial=0.0)), 1e-300)
    tol = 1e-3 if np.asarray(out).dtype in (np.complex64, np.float32) else 1e-9
    finite = np.isfinite(ref)
    try:
        np.testing.assert_array_equal(np.isfinite(out), finite)
        np.testing.assert_allclose(np.asarray(out)[finite], ref[finite], rtol=0, atol=tol * scale)
    except AssertionError:
        COUNTS[entry]["silent wrong results"] += 1
        raise
    return True


ANALYSIS = [
    "fs",
    "n_fft",
    "hop_length",
    "win_length",
    "window",
    "chirp_rate",
    "center",
    "pad_mode",
    "backend",
]


@FUZZ
@given(x=signals(), kw=kwargs_strategy(ANALYSIS))
def test_fuzz_stft(x, kw):
    out, err = classify(lambda **k: chirpstft.stft(x, **k), kw, NAMES, "stft")
    record("stft", out, err, _against_reference(lambda **k: chirpstft.stft(x, **k), kw, out, "stft"))


@FUZZ
@given(x=signals(), kw=kwargs_strategy(ANALYSIS), scaling=st.one_of(st.sampled_from(["power", "psd"]), weird))
def test_fuzz_spectrogram(x, kw, scaling):
    kw = {**kw, "scaling": scaling}
    out, err = classify(lambda **k: chirpstft.spectrogram(x, **k), kw, [*NAMES, "scaling"], "spectrogram")
    compared = _against_reference(lambda **k: chirpstft.spectrogram(x, **k), kw, out, "spectrogram")
    record("spectrogram", out, err, compared)


@FUZZ
@given(
    n=st.integers(1, 300),
    kw=kwargs_strategy(ANALYSIS),
    length=st.one_of(st.none(), st.integers(1, 400), weird_numbers),
    real=st.one_of(st.none(), st.booleans(), weird),
)
def test_fuzz_istft(n, kw, length, real):
    x = np.random.default_rng(n).standard_normal(n)
    fwd = {k: v for k, v in kw.items() if k != "backend"}
    S, err = classify(lambda **k: chirpstft.stft(x, **k), {**fwd, "backend": "numpy"}, NAMES, "istft")
    if err is not None or fwd.get("chirp_rate") == "auto":
        COUNTS["istft"]["forward stft refused or automatic (istft not called)"] += 1
        return
    kw = {**{k: v for k, v in kw.items() if k != "pad_mode"}, "length": length, "real": real}
    out, err = classify(lambda **k: chirpstft.istft(S, **k), kw, [*NAMES, "real", "method", "NOLA"], "istft")
    record("istft", out, err, _against_reference(lambda **k: chirpstft.istft(S, **k), kw, out, "istft"))


@FUZZ
@given(
    window=PARAMS["window"],
    hop=st.one_of(st.integers(1, 2**41), weird_numbers),
    n_fft=PARAMS["n_fft"],
    tol=st.one_of(st.floats(0, 0.5), weird),
)
def test_fuzz_check_nola_cola(window, hop, n_fft, tol):
    for fn in (chirpstft.check_nola, chirpstft.check_cola):
        entry = fn.__name__
        out, err = classify(
            lambda **k: fn(window, hop, **k), {"n_fft": n_fft, "tol": tol}, [*NAMES, "hop_length"], entry
        )
        if not (out is None or isinstance(out, bool)):
            COUNTS[entry]["silent wrong results"] += 1
            pytest.fail(f"{entry} returned {out!r}, not a bool")
        record(entry, out, err)


@FUZZ
@given(
    x=signals(),
    kw=kwargs_strategy(ANALYSIS),
    extra=st.fixed_dictionaries(
        {},
        optional={
            "size": st.one_of(st.tuples(st.integers(1, 64), st.integers(1, 64)), weird),
            "top_db": st.one_of(st.floats(0, 120), weird),
            "ref": st.one_of(st.just("max"), weird),
            "fmin": weird,
            "channels": st.one_of(st.sampled_from([1, 3]), weird),
            "cmap": st.one_of(st.sampled_from(["viridis", "gray", "nope"]), weird),
        },
    ),
)
def test_fuzz_render(x, kw, extra):
    kw = {**kw, **extra}
    names = [*NAMES, *extra, "colormap", "freqs", "fmax"]
    out, err = classify(lambda **k: chirpstft.render(x, **k), kw, names, "render")
    if out is not None and out.dtype != np.uint8:
        COUNTS["render"]["silent wrong results"] += 1
        pytest.fail(f"render returned dtype {out.dtype}")
    record("render", out, err)


@FUZZ
@given(
    x=signals(),
    extra=st.fixed_dictionaries(
        {},
        optional={
            "size": st.one_of(st.tuples(st.integers(1, 64), st.integers(1, 64)), weird),
            "channels": st.one_of(st.sampled_from([1, 3]), weird),
            "mode": st.one_of(st.just("line"), weird),
        },
    ),
)
def test_fuzz_waveform_image(x, extra):
    out, err = classify(
        lambda **k: chirpstft.waveform_image(x, **k), extra, [*NAMES, *extra], "waveform_image"
    )
    if out is not None and out.dtype != np.uint8:
        COUNTS["waveform_image"]["silent wrong results"] += 1
        pytest.fail(f"waveform_image returned dtype {out.dtype}")
    record("waveform_image", out, err)


@FUZZ
@given(
    x=signals(),
    kw=kwargs_strategy(["fs", "n_fft", "hop_length", "backend"]),
    auto=st.fixed_dictionaries(
        {},
        optional={"candidates": st.one_of(st.none(), weird), "smooth": weird_numbers, "order": weird_numbers},
    ),
)
def test_fuzz_estimate_chirp_rates(x, kw, auto):
    kw = {**kw, **auto}
    entry = "estimate_chirp_rates"
    out, err = classify(lambda **k: chirpstft.estimate_chirp_rates(x, **k), kw, [*NAMES, *auto], entry)
    record(
        entry,
        out,
        err,
        _against_reference(lambda **k: chirpstft.estimate_chirp_rates(x, **k), kw, out, entry),
    )
