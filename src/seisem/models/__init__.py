"""Classifiers for station-day images (Keras 3; TensorFlow backend by default).

``build_model("improved-vgg" | "vgg16", input_shape, head=..., dropout=...)`` returns an
uncompiled ``keras.Model`` whose output is the probability of label 1 ("before"), shape
``(n, 1)``; :func:`compile_model` adds the binary cross-entropy loss and ``binary_accuracy``.
Keras is imported when these functions are called, not on import.

Heads (:data:`HEADS`):

``"compact"`` (default)
    flatten, dropout, dense 128 ReLU (L1/L2), dense 1 sigmoid (VGG16: dense 256).
``"paper"``
    the seed paper's text: flatten, dropout, dense 4096 ReLU, dense 2 softmax. The two-class
    softmax is kept as a layer (``class_probabilities``) and its "before" column is passed on
    by a fixed, non-trainable selection (``before_probability``, weights ``[0, 1]``): binary
    cross-entropy on that column is exactly the two-class categorical cross-entropy, and the
    rest of seisem (evaluation, thresholds, reports) sees the same ``(n, 1)`` output as for
    the compact head.

``dropout=0`` builds the network without any dropout layer (the paper's Fig. 4: the original
VGG16 without dropout).
"""

from __future__ import annotations

from .._errors import ParameterError, check_choice
from .heads import HEADS, PAPER_DENSE
from .improved import improved_vgg
from .keras_bridge import load_keras
from .vgg import VGG16_BLOCKS, vgg16

MODELS = ("improved-vgg", "vgg16")


def feature_layers(model) -> list:
    """The convolution layers whose filters the report draws.

    These are the last convolution of each stage (improved VGG: ``s<k>c_conv``; VGG16: the
    last convolution of each block).

    Parameters
    ----------
    model : keras.Model
        A model of :func:`build_model` (or any model with named layers: then its last three
        layers with ``conv`` in their names).

    Returns
    -------
    list of str
        The layers' names, input side first.
    """
    names = [ly.name for ly in model.layers]
    picks = [n for n in names if n.endswith("c_conv")]
    if picks:
        return picks
    blocks: dict = {}
    for n in names:
        if n.startswith("block") and "_conv" in n:
            blocks[n.split("_")[0]] = n  # the last convolution seen in each block
    return list(blocks.values()) or [n for n in names if "conv" in n][-3:]


def build_model(name: str, input_shape=(32, 32, 3), **kwargs):
    """An uncompiled classifier by name: ``"improved-vgg"`` or ``"vgg16"`` for ``input_shape``.

    Keyword arguments (``head``, ``dropout``, ...) go to :func:`improved_vgg` /
    :func:`vgg16`.

    Parameters
    ----------
    name : {"improved-vgg", "vgg16"}
        The network (:data:`MODELS`): the seed paper's improved VGG (:func:`improved_vgg`) or
        its VGG16 baseline (:func:`vgg16`).
    input_shape : (height, width, channels), default (32, 32, 3)
        The images' shape, as a dataset's ``image_shape``.

    Returns
    -------
    keras.Model
        Uncompiled (:func:`compile_model`); its output is the probability of label 1
        ("before"), shape ``(n, 1)``.

    Raises
    ------
    ParameterError
        An unknown ``name`` or ``head``, or a bad keyword argument value.
    """
    check_choice("model", name, MODELS)
    if "head" in kwargs:
        check_choice("head", kwargs["head"], HEADS)
    return improved_vgg(input_shape, **kwargs) if name == "improved-vgg" else vgg16(input_shape, **kwargs)


def compile_model(model, *, learning_rate: float = 1e-3):
    """Compile ``model`` for training: Adam, binary cross-entropy, ``binary_accuracy``.

    Parameters
    ----------
    model : keras.Model
        A model of :func:`build_model` (one sigmoid output).
    learning_rate : float, default 1e-3
        Adam's learning rate (positive).

    Returns
    -------
    keras.Model
        The same model, compiled.

    Raises
    ------
    ParameterError
        A learning rate that is not positive.
    """
    keras = load_keras()
    if not learning_rate > 0:
        raise ParameterError(f"learning_rate={learning_rate!r} must be positive")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["binary_accuracy"],
    )
    return model


__all__ = [
    "HEADS",
    "MODELS",
    "PAPER_DENSE",
    "VGG16_BLOCKS",
    "build_model",
    "compile_model",
    "feature_layers",
    "improved_vgg",
    "load_keras",
    "vgg16",
]
