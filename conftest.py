"""Repository-level pytest configuration: doctest collection, and kernels compiled in the foreground.

``pytest tests src README.md`` imports every module under ``src`` for its doctests; a module
whose optional dependency is not installed is skipped instead of failing collection.
"""

from __future__ import annotations

import importlib.util
import os

# every call waits for its Numba kernel instead of answering from the NumPy backend while the
# kernel compiles in the background: which backend answered a test must never depend on how fast
# a compile ran (tests/test_background_compile.py turns it back on where it tests it). Inherited
# by the subprocesses that tests start.
os.environ.setdefault("CHIRPSTFT_BACKGROUND_COMPILE", "0")

#: optional dependency -> modules that import it at import time
_OPTIONAL = {
    "xarray": ["src/chirpstft/xarray.py"],
    "dask": ["src/chirpstft/_dask.py"],  # only its doctest needs Dask
}

collect_ignore: list[str] = [
    path for module, paths in _OPTIONAL.items() if importlib.util.find_spec(module) is None for path in paths
]
# the GPU backend fails to import without CuPy *and* a usable device, and has no doctests
collect_ignore.append("src/chirpstft/backends/cuda/backend.py")
# the documentation site: its Markdown pages are doctested (--doctest-glob='*.md'); its Sphinx
# configuration, build output and generated gallery are not test modules
collect_ignore += ["docs/conf.py", "docs/_build", "docs/gallery", "docs/api"]
