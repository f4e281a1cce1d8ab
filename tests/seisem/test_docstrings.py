"""Every public function and class of seisem has a numpydoc docstring that documents its signature.

Public means listed on the API page docs/api/seisem.rst (its autosummary entries, resolved under
their ``currentmodule`` as autosummary resolves them) or named in ``__all__`` of seisem, seisem.io,
seisem.data, seisem.fetch and seisem.models (tests/test_api_pages.py checks that the page lists
all of those). Each must have a one-line summary and a ``Parameters`` section naming every
parameter of its signature (for a class, of its constructor: a dataclass's fields), ``self``,
``*args`` and ``**kwargs`` aside. The model builders import Keras only when called, so importing
them needs no TensorFlow; an entry whose import does need it is skipped where it is missing.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pytest

from ..docparse import documented, resolve

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "api" / "seisem.rst"
MODULES = ("seisem", "seisem.io", "seisem.data", "seisem.fetch", "seisem.models")
#: Packages whose absence skips an entry whose import needs them.
OPTIONAL = ("tensorflow", "keras")


def _resolve_or_skip(dotted: str):
    try:
        return resolve(dotted)
    except ImportError as exc:
        top = (exc.name or "").split(".")[0]
        if top in OPTIONAL:
            pytest.importorskip(top)
        raise


def _listed() -> list[str]:
    """The dotted names of the API page's autosummary entries."""
    names, module = [], None
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\.\. currentmodule:: (\S+)", line)
        if m:
            module = m.group(1)
            continue
        entry = re.match(r"   ([A-Za-z_][\w.]*)$", line)
        if entry and module:
            names.append(f"{module}.{entry.group(1)}")
    return names


def _public() -> list[str]:
    """The listed names and the ``__all__`` names, one name per object where it can be told."""
    names = _listed()
    for module in MODULES:
        names += [f"{module}.{n}" for n in importlib.import_module(module).__all__]
    out, seen = [], []
    for name in dict.fromkeys(names):
        try:
            obj = resolve(name)
        except ImportError:  # resolved (or skipped) in the test itself
            out.append(name)
            continue
        if not (inspect.isfunction(obj) or inspect.isclass(obj)) or any(obj is o for o in seen):
            continue  # constants (FORMATS, HEADS, ...), and objects under a second name
        seen.append(obj)
        out.append(name)
    return out


PUBLIC = _public()


def _signature_names(obj) -> list[str]:
    target = obj.__init__ if inspect.isclass(obj) and "__init__" in vars(obj) else obj
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature
        return []
    return [
        p.name
        for p in params
        if p.name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _help_fields(obj) -> list:
    """The fields of a configuration dataclass whose Parameters section the docs build writes.

    docs/conf.py (``_dataclass_docstring``) gives such a class (one without its own section and
    with fields carrying their command-line help, such as BuildConfig) one entry per field, from
    the help text, so that the page and ``seisem build --help`` say the same thing.
    """
    if not (inspect.isclass(obj) and dataclasses.is_dataclass(obj)):
        return []
    fields = dataclasses.fields(obj)
    if "Parameters" in (obj.__doc__ or "") or not any("help" in f.metadata for f in fields):
        return []
    return list(fields)


def _page_docstring(name: str, obj) -> str:
    """The docstring as the API page shows it: with the docs build's section for a class whose
    fields carry their command-line help."""
    doc = inspect.getdoc(obj) or ""
    if not _help_fields(obj):
        return doc
    path = ROOT / "docs" / "conf.py"
    try:
        spec = importlib.util.spec_from_file_location("_seisem_docs_conf", path)
        conf = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(conf)
    except ImportError as exc:  # the docs extras (sphinx-gallery) are not installed
        pytest.skip(f"{name}: its Parameters section is made by docs/conf.py, which needs {exc.name}")
    lines = doc.splitlines()
    conf._dataclass_docstring(None, "class", name, obj, None, lines)
    return "\n".join(lines)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_parameter_is_documented(name):
    obj = _resolve_or_skip(name)
    params = _signature_names(obj)
    if not params:
        return
    names = documented(_page_docstring(name, obj))
    missing = [p for p in params if p not in names]
    assert not missing, f"{name}: the Parameters section does not document {missing}"


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_has_a_one_line_summary(name):
    obj = _resolve_or_skip(name)
    doc = obj.__doc__ or ""
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
        # without a docstring, dataclasses write the signature there: not documentation
        assert not doc.startswith(f"{obj.__name__}("), f"{name} has no docstring"
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{name} has no docstring"
    summary = doc.strip().split("\n\n")[0]
    assert "\n" not in summary, f"{name}: the summary is more than one line: {summary!r}"


@pytest.mark.parametrize("name", [n for n in PUBLIC if n == "seisem.data.BuildConfig"])
def test_fields_without_help_are_explained(name):
    # the docs build lists a field without command-line help by its type only: the class's own
    # docstring must say what it is
    obj = resolve(name)
    doc = inspect.getdoc(obj) or ""
    bare = [f.name for f in _help_fields(obj) if not f.metadata.get("help")]
    assert bare, "BuildConfig should have fields that are not command-line options (qc, waveform)"
    unexplained = [f for f in bare if not re.search(rf"``{f}(``|=)", doc)]
    assert not unexplained, f"{name}: its docstring does not explain the fields {unexplained}"


def test_the_page_and_all_give_entries():
    assert len(PUBLIC) > 50
    assert "seisem.data.SynthConfig" in PUBLIC and "seisem.models.vgg16" in PUBLIC
