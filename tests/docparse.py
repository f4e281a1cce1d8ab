"""What the documentation tests share: the numpydoc Parameters parser and dotted-name lookup."""

from __future__ import annotations

import importlib
import re
from typing import Any


def documented(doc: str) -> set[str]:
    """Names of the entries of the Parameters section (``a, b : type`` counts both)."""
    match = re.search(r"\n\s*Parameters\n\s*-+\n(.*?)(\n\s*\n\s*[A-Z][a-z]+\n\s*-+\n|\Z)", doc, re.S)
    if not match:
        return set()
    names = set()
    for line in match.group(1).splitlines():
        entry = re.match(r"\s*([A-Za-z_][\w, *]*?)\s*:(\s|$)", line)
        if entry and not line.startswith(" " * 12):
            names |= {n.strip().lstrip("*") for n in entry.group(1).split(",")}
    return names


def resolve(dotted: str) -> Any:
    """The object a dotted name names, importing the submodules on the way (as autosummary does)."""
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for k, part in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[: k + 1]))
    return obj
