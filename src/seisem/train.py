"""``seisem train``: fit a model on a dataset's train split, choose the epoch on dev (never test)."""

from __future__ import annotations

import csv
import os
import sys
import time

import numpy as np

from ._errors import ParameterError
from ._files import atomic_path, write_json
from .data.store import SeisemDataset
from .feed import augmentations_for, make_sequence
from .models import HEADS, MODELS, build_model, compile_model, load_keras


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and the Keras backend, and ask TensorFlow for deterministic ops,
    so that a run on the CPU is repeatable for a given seed."""
    keras = load_keras()
    keras.utils.set_random_seed(int(seed))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        try:
            tf.config.experimental.enable_op_determinism()
        except Exception:  # pragma: no cover - older TensorFlow
            pass


def distribution_strategy():
    """``tf.distribute.MirroredStrategy`` when several GPUs are visible, else the default
    (single-device) strategy. Other backends: ``None``."""
    keras = load_keras()
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()


def _make_callbacks(keras, out, history_rows, patience):

    class _RunLog(keras.callbacks.Callback):
        """Best-on-dev checkpoint and history CSV, both written atomically every epoch."""

        def __init__(self):
            super().__init__()
            self.best = np.inf
            self.best_epoch = None
            self.t0 = None

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            logs = dict(logs or {})
            row = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - self.t0, 3)}
            row.update({k: float(v) for k, v in sorted(logs.items())})
            history_rows.append(row)
            with atomic_path(os.path.join(out, "history.csv")) as tmp, open(tmp, "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=list(history_rows[0]))
                w.writeheader()
                w.writerows(history_rows)
            val = logs.get("val_loss")
            if val is not None and val < self.best:
                self.best, self.best_epoch = float(val), epoch + 1
                with atomic_path(os.path.join(out, "best.keras"), suffix=".keras") as tmp:
                    self.model.save(tmp)

    log = _RunLog()
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=int(patience), restore_best_weights=True
    )
    return log, [log, stop]


def train(
    dataset,
    out,
    *,
    model: str = "improved-vgg",
    head: str = "compact",
    dropout: float = 0.5,
    epochs: int = 20,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    seed: int = 0,
    patience: int = 5,
    augment: bool = True,
    verbose: int | str = "auto",  # "auto": a progress bar on a terminal, one line per epoch otherwise
    in_memory: bool | None = None,
) -> dict:
    """Train ``model`` on the train split of ``dataset`` and write a run folder ``out``.

    ``head`` is ``"compact"`` (dense 128, sigmoid) or ``"paper"`` (dense 4096, two-class
    softmax; see :mod:`seisem.models`); ``dropout=0`` builds the model without dropout (the
    paper's Fig. 4 VGG16). The augmentations follow the dataset's channels (a time shift of
    all channels; the shear only on spectrogram channels: see
    :func:`seisem.feed.augmentations_for`).

    The run folder gets ``history.csv`` (per epoch: time, loss, binary accuracy on train
    and dev), ``best.keras`` (the epoch with the lowest dev loss), ``model.keras`` (the same
    weights, saved at the end: early stopping restores them), and ``run.json`` (parameters,
    dataset, wall time, best epoch). The test split is not touched.

    Parameters
    ----------
    dataset : str, path-like or SeisemDataset
        A dataset folder written by :func:`seisem.data.build_dataset`, or the opened dataset.
        Its train and dev splits must not be empty.
    out : str or path-like
        The run folder (created if needed; files there are replaced).
    model : {"improved-vgg", "vgg16"}, default "improved-vgg"
        The network (:func:`seisem.models.build_model`).
    head : {"compact", "paper"}, default "compact"
        The classifier head.
    dropout : float in [0, 1), default 0.5
        Dropout rate of the head; 0 builds the model without dropout layers.
    epochs : int, default 20
        Most epochs (a positive integer); early stopping may end sooner.
    batch_size : int, default 128
        Images per batch (positive).
    learning_rate : float, default 1e-3
        Adam's learning rate (positive).
    seed : int, default 0
        Seed of Python, NumPy and Keras (weights, shuffling, augmentation); TensorFlow is
        asked for deterministic operations, so a CPU run is repeatable.
    patience : int, default 5
        Epochs without a lower dev loss before training stops (positive); the best epoch's
        weights are restored.
    augment : bool, default True
        Augment the training batches (:func:`seisem.feed.augmentations_for`).
    verbose : int or "auto", default "auto"
        Keras' verbosity: 0 silent, 1 a progress bar, 2 one line per epoch; ``"auto"``: 1 on
        a terminal, 2 otherwise.
    in_memory : bool, optional
        Read all images into memory once (True) or batch by batch from the shards (False);
        default: in memory when the images of a split take under 512 MiB.

    Returns
    -------
    dict
        The content of ``run.json``.

    Raises
    ------
    ParameterError
        An unknown ``model`` or ``head``, a bad ``dropout``, ``epochs``, ``batch_size``,
        ``patience`` or ``learning_rate``, or an empty train or dev split.
    MissingDependencyError
        Keras is not installed (``pip install 'seisem[ml]'``).
    """
    keras = load_keras()
    if model not in MODELS:
        raise ParameterError(f"model={model!r} is not supported; choose one of {MODELS}")
    if head not in HEADS:
        raise ParameterError(f"head={head!r} is not supported; choose one of {HEADS} (--head)")
    if not (isinstance(dropout, (int, float)) and 0.0 <= dropout < 1.0):
        raise ParameterError(f"dropout={dropout!r} must be a rate in [0, 1) (--dropout; 0: no dropout layer)")
    for name, val in (("epochs", epochs), ("batch_size", batch_size), ("patience", patience)):
        if int(val) != val or val < 1:
            raise ParameterError(f"{name}={val!r} must be a positive integer")
    ds = dataset if isinstance(dataset, SeisemDataset) else SeisemDataset(dataset)
    tr, dv = ds.train(), ds.dev()
    if len(tr) == 0 or len(dv) == 0:
        raise ParameterError(
            f"{ds.path}: the train and dev splits must be non-empty (train {len(tr)}, dev {len(dv)}): the "
            "dev split picks the epoch and training without it would choose on nothing (or on test). Rebuild "
            "the dataset with more events or other --fractions (e.g. 0.6,0.2,0.2)"
        )
    if verbose == "auto":
        # Keras's progress bar writes terminal control codes: one line per epoch in a log file
        verbose = 1 if getattr(sys.stdout, "isatty", lambda: False)() else 2
    out = os.fspath(out)
    os.makedirs(out, exist_ok=True)
    seed_everything(seed)
    strategy = distribution_strategy()
    n_replicas = getattr(strategy, "num_replicas_in_sync", 1)
    aug = augmentations_for(ds.manifest.get("channels")) if augment else None
    train_seq = make_sequence(
        tr, batch_size=batch_size, shuffle=True, augment=aug, seed=seed, in_memory=in_memory
    )
    dev_seq = make_sequence(dv, batch_size=batch_size, in_memory=in_memory)
    scope = strategy.scope() if strategy is not None else _null()
    with scope:
        net = compile_model(
            build_model(model, ds.image_shape, head=head, dropout=float(dropout)), learning_rate=learning_rate
        )
    history_rows: list = []
    log, callbacks = _make_callbacks(keras, out, history_rows, patience)
    t0 = time.perf_counter()
    net.fit(train_seq, validation_data=dev_seq, epochs=int(epochs), callbacks=callbacks, verbose=verbose)
    wall = time.perf_counter() - t0

    with atomic_path(os.path.join(out, "model.keras"), suffix=".keras") as tmp:
        net.save(tmp)
    info = {
        "dataset": os.path.abspath(ds.path),
        "dataset_config_hash": ds.manifest.get("config_hash"),
        "model": model,
        "head": head,
        "dropout": float(dropout),
        "image": ds.manifest.get("config", {}).get("image", "spectrogram"),
        "chirp": ds.manifest.get("chirp"),
        "epochs": int(epochs),
        "epochs_run": len(history_rows),
        "batch_size": int(batch_size),
        "learning_rate": float(learning_rate),
        "seed": int(seed),
        "patience": int(patience),
        "augment": [repr(a) for a in aug] if aug else [],
        "best_epoch": log.best_epoch,
        "best_val_loss": log.best,
        "wall_time_s": round(wall, 3),
        "train_samples": len(tr),
        "dev_samples": len(dv),
        "parameters": int(net.count_params()),
        "replicas": int(n_replicas),
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
    }
    write_json(os.path.join(out, "run.json"), info)
    return info


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
