"""seisem: seismic electromagnetic signals to chirp-STFT images and classifiers.

A thin layer on :mod:`chirpstft`. Readers, pairing, the dataset build and the
models arrive in later releases; this package is a placeholder namespace for now.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
