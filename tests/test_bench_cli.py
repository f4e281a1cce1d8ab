"""``python -m chirpstft bench``: options, the table, the check before the clock, the JSON file.

No timing is asserted; the runs are tiny (2 x 256 samples, 2 rounds).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys
import types

import numpy as np
import pytest
import scipy.signal

import chirpstft
from chirpstft import _benchmark as B
from chirpstft.__main__ import main

TINY = ["bench", "--shape", "2,256", "--n-fft", "32", "--hop", "8", "--fs", "1", "--chirp-rate", "0.01"]


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.mark.parametrize(
    ("args", "option", "fix"),
    [
        (["--shape", "3"], "--shape", "B,N"),
        (["--shape", "64x1440"], "--shape", "--shape 64,1440"),
        (["--shape", "0,100"], "--shape", "positive"),
        (["--n-fft", "0"], "--n-fft", "--n-fft 128"),
        (["--hop", "1.5"], "--hop", "positive integer"),
        (["--rounds", "-1"], "--rounds", "--rounds 5"),
        (["--fs", "0"], "--fs", "positive number"),
        (["--chirp-rate", "nan"], "--chirp-rate", "finite number"),
        (["--dtype", "float16"], "--dtype", "float32 or float64"),
        (["--what", "fft"], "--what", "stft, istft, spectrogram, render"),
        (["--backends", "tpu"], "--backends", "numba"),
        (["--peers", "matlab"], "--peers", "scipy, librosa"),
        (["--case", "year"], "--case", "--case day"),
    ],
)
def test_a_bad_option_names_the_parameter_and_the_fix(capsys, args, option, fix):
    assert main(["bench", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m chirpstft bench: " + option), err
    assert fix in err, err


@pytest.mark.skipif("cupy" in chirpstft.available_backends(), reason="a GPU is here")
def test_an_unavailable_backend_says_how_to_get_it(capsys):
    assert main(["bench", "--backends", "numba,cupy"]) == 2
    err = capsys.readouterr().err
    assert "--backends names cupy, not available here" in err and "chirpstft[gpu]" in err, err


def test_a_parameter_chirpstft_refuses_is_a_usage_error(capsys):
    assert main(["bench", "--shape", "2,256", "--n-fft", "32", "--hop", "64"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m chirpstft bench: ") and "hop" in err, err


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One tiny run of everything, shared by the tests that read its table and its JSON."""
    path = tmp_path_factory.mktemp("bench") / "out" / "bench.json"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([*TINY, "--rounds", "2", "--json", str(path)])
    return status, out.getvalue(), err.getvalue(), path


def test_a_tiny_run_prints_one_table_with_the_backends_and_the_peers(tiny_run):
    status, out, err, _ = tiny_run
    assert status == 0, out + err
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("what "))
    assert "first call" in lines[header] and "median" in lines[header]
    table = lines[header + 2 : lines.index("", header)]
    for what in B.WHATS:
        for backend in ("numba", "numpy"):
            assert any(row.startswith(what) and f"chirpstft {backend} " in row for row in table), (
                what,
                backend,
            )
    assert "machine: " in out and "logical cores" in out and f"chirpstft {chirpstft.__version__}" in out
    # scipy is a runtime dependency, always a peer, and it computes the chirp too
    assert any(
        row.startswith("stft") and "scipy ShortTimeFFT" in row and "chirp 0.01" in row for row in table
    )
    for peer, module in (("librosa", "librosa"), ("torch", "torch")):
        if _installed(module):
            assert f"peer {peer} (" in out
            assert any(row.startswith("stft") and f" {peer} " in row and "plain*" in row for row in table)
        else:
            assert f"peer {peer}: skipped (not installed)" in out
            assert not any(f" {peer} " in row for row in table)
    if not _installed("cupy"):
        assert "peer cupyx.scipy.signal: skipped (not installed)" in out
    assert "plain*: a plain STFT (chirp rate 0), compared with the unchirped reference" in out
    assert "stft: chirpstft numba (chirp) ..." in err  # progress goes to stderr


def test_json_is_written_whole_and_valid(tiny_run):
    _, _, _, path = tiny_run
    doc = json.loads(path.read_text())
    assert [p.name for p in path.parent.iterdir()] == ["bench.json"]  # no temporary file left
    assert doc["parameters"]["shape"] == [2, 256] and doc["parameters"]["rounds"] == 2
    assert doc["machine"]["versions"]["chirpstft"] == chirpstft.__version__
    numba = [r for r in doc["results"] if r["implementation"] == "chirpstft numba"]
    assert {r["what"] for r in numba} == set(B.WHATS)
    for r in doc["results"]:
        assert r["status"] == "ok", r
        assert r["first_call_s"] > 0 and len(r["times_s"]) == 2 and r["median_s"] > 0
        assert r["error"] <= r["tolerance"]
    assert doc["peers"]["scipy"].startswith("scipy ")


@pytest.mark.parametrize("fault", ["scaled", "shape", "raises"])
def test_a_wrong_answer_fails_loudly_and_is_not_timed(monkeypatch, capsys, tmp_path, fault):
    real = chirpstft.ChirpSTFT.stft

    def broken(self, x, **kw):
        out = real(self, x, **kw)
        if self.backend != "numba":
            return out
        if fault == "raises":
            raise RuntimeError("kernel fell over")
        return out * 1.01 if fault == "scaled" else out[..., :-1]

    monkeypatch.setattr(chirpstft.ChirpSTFT, "stft", broken)
    path = tmp_path / "r.json"
    status = main([*TINY, "--what", "stft", "--peers", "none", "--rounds", "1", "--json", str(path)])
    captured = capsys.readouterr()
    assert status == 1
    word = {"scaled": "WRONG", "shape": "WRONG", "raises": "error"}[fault]
    assert f"stft by chirpstft numba {word}" in captured.err, captured.err
    assert "were not timed" in captured.err
    rows = json.loads(path.read_text())["results"]
    bad = [r for r in rows if r["implementation"] == "chirpstft numba"]
    assert bad and all(r["status"] == word and r["times_s"] == [] and r["median_s"] is None for r in bad)
    assert all(r["status"] == "ok" for r in rows if r["implementation"] == "chirpstft numpy")
    detail = {"scaled": "max error 0.01", "shape": "its shape is", "raises": "kernel fell over"}[fault]
    assert detail in captured.err


def test_the_first_call_is_reported_apart_from_the_median():
    ticks = iter([0.0, 5.0, 10.0, 10.5, 20.0, 20.1, 30.0, 30.2])  # first call 5 s, then 0.5, 0.1, 0.2
    ref = np.arange(4.0)
    runner = B.Runner("impl", "stft", "plain", "cpu", lambda: ref.copy(), lambda: ref)
    res = B.measure(runner, 3, 1e-9, clock=lambda: next(ticks))
    assert res.status == "ok" and res.first_call_s == 5.0
    assert res.times_s == pytest.approx([0.5, 0.1, 0.2]) and res.median_s == pytest.approx(0.2)


def _fake_cupy():
    """NumPy standing in for CuPy (the calls the benchmark makes)."""
    return types.SimpleNamespace(
        asarray=np.asarray,
        abs=np.abs,
        zeros=np.zeros,
        empty_like=np.empty_like,
        copyto=np.copyto,
        uint8=np.uint8,
        ndarray=type("NotADeviceArray", (), {}),
        cuda=types.SimpleNamespace(runtime=types.SimpleNamespace(deviceSynchronize=lambda: None)),
    )


def test_gpu_bandwidth_against_a_copy_of_the_same_bytes():
    synced = []
    ticks = iter(np.arange(0.0, 100.0, 0.5))
    seconds = B.copy_seconds(1000, _fake_cupy(), lambda: synced.append(1), 3, clock=lambda: next(ticks))
    assert seconds == 0.5 and len(synced) == 4  # first touch, then each timed copy
    gpu = B.Result("stft", "chirpstft cupy", "chirp", "gpu", "ok", times_s=[2e-3], nbytes=4_000_000)
    cpu = B.Result("stft", "chirpstft numba", "chirp", "cpu", "ok", times_s=[1e-3], nbytes=4_000_000)
    asked = []
    B.add_bandwidth([gpu, cpu], lambda n: asked.append(n) or 1e-3)
    assert asked == [2_000_000]  # a copy of half the bytes reads and writes them all
    assert gpu.gbps == pytest.approx(2.0) and gpu.copy_gbps == pytest.approx(4.0)
    assert cpu.gbps is None


@pytest.mark.parametrize(("n", "n_fft", "hop"), [(256, 32, 8), (257, 33, 7)])
def test_cupyx_conventions_are_converted_before_the_check(monkeypatch, n, n_fft, hop):
    """``cupyx.scipy.signal`` has ``scipy.signal``'s API: with scipy standing in for it (and NumPy for
    CuPy) the rescaling and trimming of its answers must pass the check."""
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy())
    x = np.random.default_rng(0).standard_normal((2, n)).astype(np.float32)
    setup = B.Setup(x, n_fft, hop, 1.0, 0.0)
    for what in ("stft", "istft", "spectrogram"):
        (runner,) = B._cupyx_runners(setup, what, 0.0, scipy.signal)
        res = B.measure(runner, 1, B.TOLERANCE["float32"])
        assert res.status == "ok", (what, res.message)
        assert runner.device == "gpu" and runner.nbytes > 0


def test_peers_not_installed_are_listed_as_skipped(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(B.importlib.util, "find_spec", lambda m, *a: None if m != "scipy" else real(m, *a))
    status = B.peer_status(list(B.PEERS), gpu=False)
    assert status["scipy"][0] is not None
    for name in ("librosa", "torch", "cupyx"):
        assert status[name] == (None, "skipped (not installed)")


@pytest.mark.skipif("cupy" not in chirpstft.available_backends(), reason="needs a CUDA GPU and CuPy")
def test_on_a_gpu_the_bandwidth_is_reported(capsys):
    assert main([*TINY, "--what", "stft", "--rounds", "2"]) == 0
    out = capsys.readouterr().out
    assert "chirpstft cupy" in out and "GPU bandwidth" in out and "% of the copy's" in out
