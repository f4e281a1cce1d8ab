"""Every public function documents every parameter (numpydoc), and the templates are filled."""

from __future__ import annotations

import inspect
import typing

import pytest

import chirpstft
import chirpstft.plot
from chirpstft import _docs

from .docparse import documented

xr = pytest.importorskip("xarray")
import chirpstft.xarray  # noqa: E402


def _public():
    out = []
    for name in chirpstft.__all__:
        obj = getattr(chirpstft, name)
        if inspect.isclass(obj) and issubclass(obj, (Exception, Warning)):
            continue
        if callable(obj):
            out.append((f"chirpstft.{name}", obj))
        if inspect.isclass(obj):
            for meth_name, meth in vars(obj).items():
                if inspect.isfunction(meth) and not meth_name.startswith("_"):
                    out.append((f"chirpstft.{name}.{meth_name}", meth))
    for module in (chirpstft.xarray, chirpstft.plot):
        out += [
            (f"{module.__name__}.{n}", getattr(module, n))
            for n in module.__all__
            if inspect.isfunction(getattr(module, n))
        ]
    return out


PUBLIC = _public()


@pytest.mark.parametrize(("name", "obj"), PUBLIC, ids=[n for n, _ in PUBLIC])
def test_every_parameter_is_documented(name, obj):
    target = obj.__init__ if inspect.isclass(obj) and "__init__" in vars(obj) else obj
    params = [p for p in inspect.signature(target).parameters if p not in ("self", "cls", "args", "kwargs")]
    if not params:
        return
    doc = inspect.getdoc(obj) or ""
    assert "%(" not in doc, f"{name}: an unfilled template placeholder"
    missing = [p for p in params if p not in documented(doc)]
    assert not missing, f"{name} does not document {missing}"


def test_option_sets_are_literal_in_the_signatures():
    for func, param in [
        (chirpstft.stft, "pad_mode"),
        (chirpstft.stft, "fft_mode"),
        (chirpstft.spectrogram, "scaling"),
        (chirpstft.istft, "method"),
        (chirpstft.render, "layout"),
        (chirpstft.render, "dtype"),
        (chirpstft.waveform_image, "mode"),
    ]:
        hints = typing.get_type_hints(func)
        if param not in hints:  # a plan parameter taken as **kwargs: Unpack[PlanParams]
            (params_type,) = typing.get_args(hints["kwargs"])
            hints = typing.get_type_hints(params_type)
        assert "Literal" in str(hints[param]), (func.__name__, param, hints[param])


def test_shared_text_is_written_once():
    doc = _docs.fill_doc(
        type("T", (), {"__doc__": "Head.\n\n    Parameters\n    ----------\n    %(n_fft)s\n"})
    )
    assert "n_fft : int >= 1, default 256" in doc.__doc__
    assert chirpstft.stft.__doc__.count("Frame length in samples and FFT size") == 1
    assert "Frame length in samples and FFT size" in chirpstft.render.__doc__
