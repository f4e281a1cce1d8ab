"""Feeding a :class:`~seisem.data.SeisemDataset` to Keras, with time-axis augmentation.

Images are NHWC with width = time and height = frequency (low at the bottom) on
spectrogram channels, amplitude (low at the bottom) on waveform channels. The augmentations
move content along the time axis only: a time shift of all channels together, and a shear
that shifts each frequency row by an amount proportional to its frequency, applied to the
spectrogram channels only (on a waveform channel a row is an amplitude level: shearing it
would bend the curve's time axis by amplitude, which no recording does). There are no flips
or rotations: as the seed paper notes, a spectrogram's axes are physical (time runs one
way, frequency rows are not interchangeable), so a flipped or rotated image is not a
spectrogram any station could record. :func:`augmentations_for` picks the augmentations
from a dataset's channel layout (``manifest["channels"]``).
"""

from __future__ import annotations

import numpy as np

from ._errors import ParameterError
from .models import load_keras


class TimeShift:
    """Shift images along time by a random whole number of pixels in ``[-max_shift, max_shift]``;
    the edge column is repeated into the space that opens up."""

    def __init__(self, max_shift: int = 2):
        if int(max_shift) != max_shift or max_shift < 0:
            raise ParameterError(f"max_shift={max_shift!r} must be a non-negative whole number of pixels")
        self.max_shift = int(max_shift)

    def __call__(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, _, w, _ = x.shape
        shift = rng.integers(-self.max_shift, self.max_shift + 1, n)
        cols = np.clip(np.arange(w)[None, :] - shift[:, None], 0, w - 1)  # (n, w)
        return np.take_along_axis(x, cols[:, None, :, None], axis=2)

    def __repr__(self) -> str:
        return f"TimeShift(max_shift={self.max_shift})"


class TimeShear:
    """Shear along time: row ``f`` (of ``H``) moves by ``round(s * (f - H/2))`` pixels,
    ``s`` uniform in ``[-max_shear, max_shear]`` per image (edge columns repeated).

    ``channels`` (indices, default all) are the channels sheared: the spectrogram channels,
    whose rows are frequencies. Other channels are left as they are.
    """

    def __init__(self, max_shear: float = 0.1, channels=None):
        if not (np.isfinite(max_shear) and max_shear >= 0):
            raise ParameterError(f"max_shear={max_shear!r} must be a non-negative number (pixels per row)")
        self.max_shear = float(max_shear)
        if channels is not None:
            channels = tuple(int(c) for c in channels)
            if not channels or min(channels) < 0:
                raise ParameterError(
                    f"channels={channels!r} must be non-empty channel indices (None: all channels)"
                )
        self.channels = channels

    def __call__(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, h, w, c = x.shape
        s = rng.uniform(-self.max_shear, self.max_shear, n)
        rows = np.arange(h) - (h - 1) / 2.0
        shift = np.rint(s[:, None] * rows[None, :]).astype(np.int64)  # (n, h)
        cols = np.clip(np.arange(w)[None, None, :] - shift[:, :, None], 0, w - 1)  # (n, h, w)
        if self.channels is None:
            return np.take_along_axis(x, cols[..., None], axis=2)
        if max(self.channels) >= c:
            raise ParameterError(f"TimeShear channels={self.channels} but the images have {c} channel(s)")
        out = x.copy()
        sel = list(self.channels)
        out[..., sel] = np.take_along_axis(x[..., sel], cols[..., None], axis=2)
        return out

    def __repr__(self) -> str:
        ch = "" if self.channels is None else f", channels={list(self.channels)}"
        return f"TimeShear(max_shear={self.max_shear}{ch})"


def default_augmentations():
    """Time shift and shear of every channel (spectrogram-only images)."""
    return [TimeShift(2), TimeShear(0.1)]


def augmentations_for(channels, *, max_shift: int = 2, max_shear: float = 0.1) -> list:
    """The augmentations that are physical for a channel layout.

    ``channels``: the dataset manifest's ``"channels"`` list (``{"kind": "spectrogram" |
    "waveform-filled" | "waveform-binary", "index": [first, stop]}``), or None for an older
    dataset (all channels spectrogram). A time shift moves every channel together; the shear
    is applied to the spectrogram channels only, and left out when there are none.
    """
    if channels is None:
        return default_augmentations()
    spec = [i for ch in channels if ch["kind"] == "spectrogram" for i in range(*ch["index"])]
    augs = [TimeShift(max_shift)]
    if spec:
        augs.append(TimeShear(max_shear, channels=spec))
    return augs


def make_sequence(
    dataset,
    *,
    batch_size: int = 128,
    shuffle: bool = False,
    augment=None,
    seed: int = 0,
    in_memory: bool | None = None,
):
    """A ``keras.utils.PyDataset`` over ``dataset`` yielding ``(images, labels)`` batches.

    Batches are read from the HDF5 shards when they are needed (``in_memory=False``), or
    all images are read once (``in_memory=True``; the default when they take under 512 MB).
    ``shuffle`` reorders the samples each epoch and ``augment`` (a list of callables
    ``(x, rng) -> x``) transforms each batch, both from ``seed`` and the epoch number, so a
    run is reproducible.
    """

    keras = load_keras()
    if int(batch_size) < 1:
        raise ParameterError(f"batch_size={batch_size!r} must be a positive integer")
    if len(dataset) == 0:
        raise ParameterError("the dataset split is empty; check the build's split fractions")

    class _Seq(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            self.n = len(dataset)
            self.labels = dataset.labels.astype(np.float32)
            nbytes = self.n * int(np.prod(dataset.image_shape))
            mem = in_memory if in_memory is not None else nbytes < 512 * 2**20
            self.cache = dataset.images() if mem else None
            self.epoch = 0
            self.order = self._order()

        def _order(self):
            if not shuffle:
                return np.arange(self.n)
            return np.random.default_rng([seed, self.epoch]).permutation(self.n)

        def __len__(self):
            return -(-self.n // int(batch_size))

        def __getitem__(self, i):
            idx = self.order[i * int(batch_size) : (i + 1) * int(batch_size)]
            x = self.cache[idx] if self.cache is not None else dataset.images(idx)
            if augment:
                rng = np.random.default_rng([seed, self.epoch, i])
                for f in augment:
                    x = f(x, rng)
            return x, self.labels[idx]

        def on_epoch_end(self):
            self.epoch += 1
            self.order = self._order()

    return _Seq()
