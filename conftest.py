"""Repository-level pytest configuration: doctest collection of modules with optional dependencies.

``pytest tests src README.md`` imports every module under ``src`` for its doctests; a module
whose optional dependency is not installed is skipped instead of failing collection.
"""

from __future__ import annotations

import importlib.util

#: optional dependency -> modules that import it at import time
_OPTIONAL = {
    "xarray": ["src/chirpstft/xarray.py"],
    "dask": ["src/chirpstft/_dask.py"],  # only its doctest needs Dask
}

collect_ignore: list[str] = [
    path for module, paths in _OPTIONAL.items() if importlib.util.find_spec(module) is None for path in paths
]
# the GPU backend fails to import without CuPy *and* a usable device, and has no doctests
collect_ignore.append("src/chirpstft/backends/cupy_gpu.py")
# the documentation site: its Markdown pages are doctested (--doctest-glob='*.md'); its Sphinx
# configuration, build output and generated gallery are not test modules
collect_ignore += ["docs/conf.py", "docs/_build", "docs/gallery", "docs/api"]
