"""seisem: seismic electromagnetic station series to chirp-STFT images and classifiers.

A thin layer on :mod:`chirpstft`: readers (:mod:`seisem.io`), pairing, labels, QC, the
synthetic generator and the dataset build (:mod:`seisem.data`), the models and training
(``seisem.models``, ``seisem.train``), public data downloads (:mod:`seisem.fetch`). Importing seisem imports neither pandas nor
TensorFlow; the submodules load them when used.
"""

from ._errors import FetchError, MissingDependencyError, ParameterError, ReadError, SeisemError, SplitError

__version__ = "0.1.0"
__all__ = [
    "FetchError",
    "MissingDependencyError",
    "ParameterError",
    "ReadError",
    "SeisemError",
    "SplitError",
    "__version__",
]
