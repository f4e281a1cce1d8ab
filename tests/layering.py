"""A package's import structure, for the layer tests of both packages (``tests/test_layers.py``
for chirpstft, ``tests/seisem/test_layers.py`` for seisem).

Every ``import`` statement of the package is parsed, also those inside functions, which Python
runs late and so hide cycles. :class:`Package` answers: which package modules a module needs,
in which layer a module sits, which imports point up, which hide inside functions, and which
modules form a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path


class Package:
    """The modules and imports of the package at ``root`` (its folder), and its ``layers``
    (bottom to top; a name stands for a module and, when it names a package, what lies below)."""

    def __init__(self, root: Path, layers: list[tuple[str, ...]], optional: tuple[str, ...]):
        self.root, self.layers, self.optional = root, layers, optional
        self.name = root.name
        self.modules: dict[str, Path] = {}
        for f in root.rglob("*.py"):
            parts = f.relative_to(root.parent).with_suffix("").parts
            self.modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
        self.imports = {m: self._imports(p) for m, p in self.modules.items()}
        self.graph = {
            m: set().union(*(self.targets(m, n) for n, _ in stmts)) if stmts else set()
            for m, stmts in self.imports.items()
        }

    @staticmethod
    def _imports(path: Path) -> list[tuple[ast.stmt, bool]]:
        """Every import statement of a module, and whether it sits inside a function."""
        tree = ast.parse(path.read_text())
        inside: set[int] = set()
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inside |= {id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))}
        return [(n, id(n) in inside) for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]

    def targets(self, module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
        """The package modules an import statement needs (absolute names, innermost known module)."""
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                if self.modules[module].name != "__init__.py":
                    parts = parts[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, node.module] if node.module else parts)
            # ``from pkg import sub`` needs the submodule; ``from mod import name`` needs mod
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in self.modules else base for a in node.names]
        out = set()
        for name in names:
            while name and name not in self.modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                out.add(name)
        return out

    def layer(self, module: str) -> int:
        for i, layer in enumerate(self.layers):
            for name in layer:
                if module == name or (name != self.name and module.startswith(name + ".")):
                    return i
        raise AssertionError(f"{module} is in no layer: add it to the layer test's LAYERS (and the README)")

    def upward(self, module: str) -> list[str]:
        mine = self.layer(module)
        return sorted(t for t in self.graph[module] if self.layer(t) > mine)

    def hidden(self, module: str) -> list[str]:
        """Imports inside functions that are not optional dependencies."""
        out = []
        for node, inside in self.imports[module]:
            if not inside:
                continue
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or "."]
            if isinstance(node, ast.ImportFrom) and node.level:
                names = ["." * node.level + (node.module or "")]
            out += [n for n in names if not any(n == o or n.startswith(o + ".") for o in self.optional)]
        return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
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
