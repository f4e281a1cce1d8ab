"""Atomic writes of seisem's small text outputs (JSON, Markdown, HTML)."""

from __future__ import annotations

import json


def write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    from chirpstft._atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w") as fh:
        fh.write(text)


def write_json(path, obj) -> None:
    """``obj`` as indented, key-sorted JSON (non-JSON values as text), atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str))
