"""Open a dataset folder written by :func:`seisem.data.build_dataset`."""

from __future__ import annotations

import os

import numpy as np

from .._errors import ParameterError, require
from .._files import read_json


class SeisemDataset:
    """A built dataset: the metadata table, with lazy access to images and day series.

    >>> ds = SeisemDataset("my_dataset")            # doctest: +SKIP
    >>> train = ds.train()                          # doctest: +SKIP
    >>> x, y = train.images(), train.labels         # doctest: +SKIP

    ``train()``, ``dev()``, ``test()`` and ``filter()`` return views sharing the files.

    Parameters
    ----------
    path : str or path-like
        The dataset folder (``manifest.json``, ``metadata.csv``, ``shards/``).
    metadata : pandas.DataFrame, optional
        The rows of this view; default all rows of ``metadata.csv``.
    manifest : dict, optional
        The manifest; default read from ``manifest.json``.

    Raises
    ------
    ReadError
        No ``manifest.json`` (not a dataset, or its build did not finish).
    """

    def __init__(self, path, *, metadata=None, manifest=None):
        pd = require("pandas", "seisem", "opening datasets")
        self.path = os.fspath(path)
        mpath = os.path.join(self.path, "manifest.json")
        if manifest is None:
            manifest = read_json(
                mpath,
                f"{self.path}: no manifest.json: not a dataset, or its build did not finish "
                "(run `seisem build` again with the same arguments to resume it)",
            )
        self.manifest = manifest
        if metadata is None:
            metadata = pd.read_csv(
                os.path.join(self.path, "metadata.csv"),
                dtype={"station_code": str, "source_id": str, "source_ids": str, "split_group": str},
                keep_default_na=False,
                na_values=[""],
            )
        self.metadata = metadata.reset_index(drop=True)
        self._files: dict = {}

    def __len__(self) -> int:
        return len(self.metadata)

    def __repr__(self) -> str:
        counts = self.metadata["label"].value_counts().to_dict() if len(self) else {}
        return f"SeisemDataset({self.path!r}, samples={len(self)}, labels={counts})"

    @property
    def labels(self) -> np.ndarray:
        return self.metadata["label"].to_numpy(dtype=np.int64)

    @property
    def image_shape(self) -> tuple:
        return tuple(self.manifest["image_shape"])

    def filter(self, mask=None, **equals) -> SeisemDataset:
        """A view of the rows where ``mask`` is True and each ``column == value`` holds."""
        keep = np.ones(len(self), bool) if mask is None else np.asarray(mask, bool)
        if keep.shape != (len(self),):
            raise ParameterError(
                f"mask must be a boolean array of length {len(self)}, got shape {keep.shape}"
            )
        for col, val in equals.items():
            if col not in self.metadata.columns:
                raise ParameterError(
                    f"{col!r} is not a metadata column; columns: {list(self.metadata.columns)}"
                )
            keep &= (self.metadata[col] == val).to_numpy()
        return SeisemDataset(self.path, metadata=self.metadata[keep], manifest=self.manifest)

    def train(self) -> SeisemDataset:
        return self.filter(split="train")

    def dev(self) -> SeisemDataset:
        return self.filter(split="dev")

    def test(self) -> SeisemDataset:
        return self.filter(split="test")

    def _file(self, shard):
        h5py = require("h5py", "seisem", "reading dataset arrays")
        f = self._files.get(shard)
        if f is None:
            f = self._files[shard] = h5py.File(os.path.join(self.path, "shards", shard), "r")
        return f

    def _read(self, name, index):
        rows = self.metadata if index is None else self.metadata.iloc[np.asarray(index)]
        shape = self.image_shape if name == "images" else (int(self.manifest["samples_per_day"]),)
        dtype = np.uint8 if name == "images" else np.float32
        out = np.empty((len(rows), *shape), dtype)
        shards = rows["shard"].to_numpy()
        tidx = rows["trace_index"].to_numpy(dtype=np.int64)
        for shard in np.unique(shards):
            sel = np.flatnonzero(shards == shard)
            order = np.argsort(tidx[sel])  # h5py reads increasing indices
            out[sel[order]] = self._file(shard)[name][tidx[sel][order]]
        return out

    def images(self, index=None) -> np.ndarray:
        """Images ``(n, H, W, C)`` uint8 of all rows, or of row positions ``index``."""
        return self._read("images", index)

    def series(self, index=None) -> np.ndarray:
        """Normalised day series ``(n, samples_per_day)`` float32."""
        return self._read("series", index)

    def __getitem__(self, i):
        return self.images([i])[0], int(self.labels[i])

    def close(self):
        for f in self._files.values():
            f.close()
        self._files.clear()

    def __del__(self):  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass
