"""The package's import structure: layers that point one way, no cycles, no hidden imports.

Every ``import`` statement of ``src/chirpstft`` is parsed (also those inside functions, which
Python runs late and so hide cycles). The layers are drawn in the README's "Layout" section.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
    ("chirpstft.xarray", "chirpstft.plot", "chirpstft._warmup", "chirpstft"),
    ("chirpstft.__main__",),
]

#: Optional dependencies: the only imports allowed inside functions (so that importing
#: chirpstft never needs them).
OPTIONAL = ("dask", "xarray", "cupy", "numba.cuda", "matplotlib")


def _modules() -> dict[str, Path]:
    mods = {}
    for f in PACKAGE.rglob("*.py"):
        parts = f.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = f
    return mods


MODULES = _modules()


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The package modules an import statement needs (absolute names, innermost known module)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = module.split(".")
            if MODULES[module].name != "__init__.py":
                parts = parts[:-1]
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join([*parts, node.module] if node.module else parts)
        # ``from pkg import sub`` needs the submodule; ``from mod import name`` needs mod
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    out = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.add(name)
    return out


def _imports() -> dict[str, list[tuple[ast.stmt, bool]]]:
    """Every import statement of every module, and whether it sits inside a function."""
    found: dict[str, list[tuple[ast.stmt, bool]]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        inside: set[int] = set()
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inside |= {id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))}
        found[module] = [
            (n, id(n) in inside) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
        ]
    return found


IMPORTS = _imports()
GRAPH = {
    m: set().union(*(_targets(m, n) for n, _ in stmts)) if stmts else set() for m, stmts in IMPORTS.items()
}


def _layer(module: str) -> int:
    for i, layer in enumerate(LAYERS):
        for name in layer:
            if module == name or (name != "chirpstft" and module.startswith(name + ".")):
                return i
    raise AssertionError(
        f"{module} is in no layer of tests/test_layers.py: add it to LAYERS (and the README)"
    )


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_parser_sees_imports_inside_functions():
    graph = {"a": {"b"}, "b": {"a"}, "c": set()}
    assert _cycles(graph) == [["a", "b"]]
    tree = ast.parse("def f():\n    from . import _plan\n")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    assert _targets("chirpstft._auto", node) == {"chirpstft._plan"}


def test_no_import_cycle():
    assert _cycles(GRAPH) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = _layer(module)
    upward = sorted(t for t in GRAPH[module] if _layer(t) > mine)
    assert not upward, f"{module} (layer {mine}) imports {upward} from a layer above it"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_inside_functions_are_optional_dependencies_only(module):
    hidden = []
    for node, inside in IMPORTS[module]:
        if not inside:
            continue
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or "."]
        if isinstance(node, ast.ImportFrom) and node.level:
            names = ["." * node.level + (node.module or "")]
        hidden += [n for n in names if not any(n == o or n.startswith(o + ".") for o in OPTIONAL)]
    assert not hidden, f"{module} imports {hidden} inside a function; import it at the top of the module"
