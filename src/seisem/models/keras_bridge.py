"""The Keras bridge: Keras (and TensorFlow) imported once, quietly, when a model is first needed."""

from __future__ import annotations

import os
import sys

from .._errors import require

__all__ = ["load_keras"]


def load_keras():
    """Keras, imported quietly (once; later calls return the imported module).

    TensorFlow's C++ start-up lines (absl's "All log messages before
    absl::InitializeLog()", oneDNN notices) go to the process's stderr before any log level
    applies, so the import runs with file descriptor 2 pointed at /dev/null. Set
    ``SEISEM_VERBOSE=1`` (``seisem --verbose``) to see them.

    Returns
    -------
    module
        The :mod:`keras` package.

    Raises
    ------
    MissingDependencyError
        Keras is not installed (``pip install 'seisem[ml]'``).
    """
    if "keras" in sys.modules or os.environ.get("SEISEM_VERBOSE"):
        return require("keras", "ml", "the seisem models")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        return require("keras", "ml", "the seisem models")
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
