"""The documentation site's API pages (docs/api/*.rst) list every public function and class.

Public means named in ``__all__`` of chirpstft (with chirpstft.plot and chirpstft.xarray) and of
seisem and its subpackages seisem.io, seisem.data, seisem.fetch and seisem.models; an entry
counts when its autosummary name resolves to the same object.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from .docparse import resolve

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api"
MODULES = (
    "chirpstft",
    "chirpstft.plot",
    "chirpstft.xarray",
    "seisem",
    "seisem.io",
    "seisem.data",
    "seisem.fetch",
    "seisem.models",
)


def _listed():
    """The objects the API pages list (autosummary entries under their currentmodule)."""
    objects = []
    for page in sorted(DOCS.glob("*.rst")):
        module = None
        for line in page.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\.\. currentmodule:: (\S+)", line)
            if m:
                module = m.group(1)
                continue
            entry = re.match(r"   ([A-Za-z_][\w.]*)$", line)
            if entry and module:
                objects.append(resolve(f"{module}.{entry.group(1)}"))
    return objects


def _public():
    out = []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # chirpstft.xarray without xarray
            continue
        for attr in module.__all__:
            obj = getattr(module, attr)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                out.append((f"{name}.{attr}", obj))
    return out


PUBLIC = _public()
LISTED = _listed()


@pytest.mark.parametrize(("name", "obj"), PUBLIC, ids=[n for n, _ in PUBLIC])
def test_every_public_name_is_on_an_api_page(name, obj):
    assert any(o is obj for o in LISTED), f"{name} is public but on no page of docs/api/"
