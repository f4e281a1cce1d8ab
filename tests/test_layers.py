"""The package's import structure: layers that point one way, no cycles, no hidden imports.

Every ``import`` statement of ``src/chirpstft`` is parsed (also those inside functions, which
Python runs late and so hide cycles). The layers are drawn in the README's "Layout" section.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .layering import Package, cycles

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "chirpstft"

#: Bottom to top; a module may import only from its own layer or the layers below it.
LAYERS: list[tuple[str, ...]] = [
    ("chirpstft._errors", "chirpstft._validation", "chirpstft._docs", "chirpstft._atomic"),
    ("chirpstft._spec", "chirpstft.windows"),
    ("chirpstft.chirp",),
    ("chirpstft.backends",),  # the registry and every backend module below it
    ("chirpstft._auto",),
    ("chirpstft._prepared",),
    ("chirpstft._dask", "chirpstft._stream"),
    ("chirpstft._plan",),
    ("chirpstft._api", "chirpstft.render"),
    ("chirpstft.xarray", "chirpstft.plot", "chirpstft._warmup", "chirpstft._benchmark", "chirpstft"),
    ("chirpstft.__main__",),
]

#: Optional dependencies: the only imports allowed inside functions (so that importing
#: chirpstft never needs them).
OPTIONAL = ("dask", "xarray", "cupy", "numba.cuda", "matplotlib")


PKG = Package(PACKAGE, LAYERS, OPTIONAL)


def test_the_parser_sees_imports_inside_functions():
    graph = {"a": {"b"}, "b": {"a"}, "c": set()}
    assert cycles(graph) == [["a", "b"]]
    tree = ast.parse("def f():\n    from . import _plan\n")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    assert PKG.targets("chirpstft._auto", node) == {"chirpstft._plan"}


def test_no_import_cycle():
    assert cycles(PKG.graph) == []


@pytest.mark.parametrize("module", sorted(PKG.modules))
def test_imports_point_down(module):
    upward = PKG.upward(module)
    assert not upward, f"{module} (layer {PKG.layer(module)}) imports {upward} from a layer above it"


@pytest.mark.parametrize("module", sorted(PKG.modules))
def test_imports_inside_functions_are_optional_dependencies_only(module):
    hidden = PKG.hidden(module)
    assert not hidden, f"{module} imports {hidden} inside a function; import it at the top of the module"
