"""Atomic writes of seisem's outputs: a reader sees the old file or the new one, never a partial one.

seisem keeps its own helper (rather than importing one of chirpstft's private modules) so
that it depends on chirpstft's public API only.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    The file gets the usual permissions (``0o666`` less the umask), not ``mkstemp``'s
    private ``0o600``. On error the temporary file is removed and ``path`` is untouched.
    The temporary name starts with ``.<name>.`` and ends with ``suffix`` (``.tmp`` by
    default), so an interrupted build can find and remove its leftovers.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)


def write_json(path, obj) -> None:
    """``obj`` as indented, key-sorted JSON (non-JSON values as text), atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str))
