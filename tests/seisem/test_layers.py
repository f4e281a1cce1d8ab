"""seisem's import structure, guarded like chirpstft's: layers that point one way, no cycles, no
package imports hidden inside functions except the optional heavy dependencies. The floors are
drawn in the README's "Layout" section; seisem reaches chirpstft only through its public API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ..layering import Package, cycles

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "seisem"

#: Bottom to top; a module may import only from its own floor or the floors below it.
LAYERS: list[tuple[str, ...]] = [
    ("seisem._errors", "seisem._files", "seisem._options"),
    (
        "seisem",
        "seisem._progress",
        "seisem.geomag",
        "seisem.metrics",
        "seisem.models",
    ),  # models: the Keras bridge, the heads, the two networks
    ("seisem.io",),  # readers: every module of seisem.io
    ("seisem.data.splits", "seisem.data.qc", "seisem.data.store", "seisem.data.series"),
    ("seisem.data.pairing", "seisem.data.formats", "seisem.data.synth"),
    ("seisem.data.config", "seisem.data.station"),
    ("seisem.data.daily", "seisem.data.images"),
    ("seisem.data.shards",),
    ("seisem.data.build", "seisem.data"),
    ("seisem.controls", "seisem.feed", "seisem.fetch"),
    ("seisem.train", "seisem.evaluate", "seisem.report"),
    ("seisem.sweep", "seisem.ablate", "seisem.cnn_null", "seisem.demo"),
    ("seisem._cli",),  # the command's plumbing: help, option types, options handed on
    ("seisem.cli_ml",),
    ("seisem.cli",),
    ("seisem.__main__",),
]

#: The optional heavy dependencies (the ``ml`` and ``obspy`` extras, a cluster, figures): the
#: only imports allowed inside functions, so that the readers and the build never need them.
OPTIONAL = ("tensorflow", "keras", "sklearn", "obspy", "matplotlib", "dask", "distributed")

PKG = Package(PACKAGE, LAYERS, OPTIONAL)


def test_no_import_cycle():
    assert cycles(PKG.graph) == []


def test_the_layers_see_a_late_upward_import():
    tree = ast.parse("def f():\n    from .data import build_dataset\n")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    assert PKG.targets("seisem.geomag", node) == {"seisem.data"}
    assert PKG.layer("seisem.data") > PKG.layer("seisem.geomag")


@pytest.mark.parametrize("module", sorted(PKG.modules))
def test_imports_point_down(module):
    upward = PKG.upward(module)
    assert not upward, f"{module} (floor {PKG.layer(module)}) imports {upward} from a floor above it"


@pytest.mark.parametrize("module", sorted(PKG.modules))
def test_imports_inside_functions_are_optional_dependencies_only(module):
    hidden = PKG.hidden(module)
    assert not hidden, f"{module} imports {hidden} inside a function; import it at the top of the module"


@pytest.mark.parametrize("module", sorted(PKG.modules))
def test_chirpstft_only_through_its_public_api(module):
    private = []
    for node, _inside in PKG.imports[module]:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        if isinstance(node, ast.ImportFrom) and node.module == "chirpstft":
            names += [f"chirpstft.{a.name}" for a in node.names]
        private += [n for n in names if n.startswith("chirpstft.") or n == "chirpstft._"]
    assert not [n for n in private if "._" in n or n.count(".") > 1], (
        f"{module} imports {private}: use chirpstft's public API (import chirpstft)"
    )
