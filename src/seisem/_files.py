"""seisem's own files: atomic writes of its outputs (a reader sees the old file or the new one,
never a partial one), its JSON records read back, and content hashes.

seisem keeps its own atomic-write helper (rather than importing one of chirpstft's private
modules) so that it depends on chirpstft's public API only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ._errors import ReadError


# seisem's own atomic write. chirpstft writes its files by the same 12-line rule, but that is not part of
# its public API, which is all seisem uses of chirpstft (a kept pair of the duplicates tool).
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


def read_json(path, missing: str):
    """The JSON object in ``path``; :class:`~seisem.ReadError` with the message ``missing`` (which
    says what to run or pass) when there is no such file."""
    if not os.path.exists(path):
        raise ReadError(missing)
    with open(path) as fh:
        return json.load(fh)


def file_sha256(path) -> str:
    """The SHA-256 of the file's bytes, as hex (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
