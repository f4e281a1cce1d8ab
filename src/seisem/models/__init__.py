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

import os
import sys

import numpy as np

from .._errors import ParameterError, check_choice, require

MODELS = ("improved-vgg", "vgg16")
HEADS = ("compact", "paper")
#: Hidden units of the paper head ("a first dense layer of 4096 then 2").
PAPER_DENSE = 4096
#: VGG16 configuration D (Simonyan & Zisserman 2015, Table 1): filters per 3x3 convolution, by block.
VGG16_BLOCKS = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))


def _keras():
    """Keras, imported quietly: TensorFlow's C++ start-up lines (absl's "All log messages before
    absl::InitializeLog()", oneDNN notices) go to the process's stderr before any log level
    applies, so the import runs with file descriptor 2 pointed at /dev/null. Set
    ``SEISEM_VERBOSE=1`` (``seisem --verbose``) to see them."""
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


def _check_dropout(dropout):
    if not (isinstance(dropout, (int, float)) and 0.0 <= float(dropout) < 1.0):
        raise ParameterError(f"dropout={dropout!r} must be a rate in [0, 1) (0: no dropout layer at all)")
    return float(dropout)


def _dropout(layers, x, rate, name):
    return layers.Dropout(rate, name=name)(x) if rate > 0 else x


def _head(keras, x, *, head, dropout, units, reg=None):
    """Flattened features -> probability of "before" ``(n, 1)`` (see the module docstring)."""
    layers = keras.layers
    check_choice("head", head, HEADS)
    x = _dropout(layers, x, dropout, "dropout")
    if head == "paper":
        x = layers.Dense(PAPER_DENSE, activation="relu", kernel_regularizer=reg, name="dense1")(x)
        x = layers.Dense(2, activation="softmax", name="class_probabilities")(x)
        return layers.Dense(1, use_bias=False, trainable=False, name="before_probability")(x)
    for i, n in enumerate(units, start=1):
        x = layers.Dense(n, activation="relu", kernel_regularizer=reg, name=f"dense{i}")(x)
        if i < len(units):
            x = _dropout(layers, x, dropout, f"dropout{i}")
    return layers.Dense(1, activation="sigmoid", name="before_probability")(x)


def _finish_head(model, head):
    """Fix the paper head's selection weights (column 1 of the softmax: "before")."""
    if head == "paper":
        model.get_layer("before_probability").set_weights([np.array([[0.0], [1.0]], dtype="float32")])
    return model


def improved_vgg(
    input_shape=(32, 32, 3),
    *,
    dropout: float = 0.5,
    head: str = "compact",
    dense_units=(128,),
    l1: float = 1e-5,
    l2: float = 1e-4,
    bn_momentum: float = 0.9,
    name: str = "improved_vgg",
):
    """The "improved VGG" of the seed paper, as it describes it.

    Stages of 3x3 and 1x1 convolutions, each followed by batch normalisation and ReLU,
    then 2x2 max pooling; the channel count doubles after each pooling (32, 64, 128, and
    256 when the input is at least 64 pixels on its short side). A skip connection merges
    the first stage's output, reshaped by a strided 1x1 convolution, with the last stage's
    convolution output (added before the last pooling). Then the head (see :data:`HEADS`):
    flatten, dropout, one or two dense layers with L1/L2 regularisation and a sigmoid
    (``"compact"``), or dense 4096 and a two-class softmax (``"paper"``).

    Parameters
    ----------
    input_shape : (height, width, channels)
        Height is frequency (or amplitude, for waveform channels), width is time. Each side
        must be at least 8 pixels.
    dropout : float in [0, 1)
        Dropout rate before the dense layers; 0 leaves the dropout layers out.
    head : {"compact", "paper"}
        The classifier head (module docstring).
    dense_units : tuple of int
        One or two hidden dense layers of the compact head.
    bn_momentum : float
        Momentum of the batch-normalisation moving statistics. 0.9 rather than Keras'
        0.99: with the few hundred steps of a small dataset, 0.99 leaves the inference-time
        statistics far from the data's and the dev accuracy stuck at one class.
    """
    keras = _keras()
    layers, regularizers = keras.layers, keras.regularizers
    h, w, c = _check_shape(input_shape, minimum=8)
    dropout = _check_dropout(dropout)
    check_choice("head", head, HEADS)
    if not 1 <= len(dense_units) <= 2:
        raise ParameterError(f"dense_units={dense_units!r} must hold one or two layer sizes")
    channels = [32, 64, 128] + ([256] if min(h, w) >= 64 else [])

    def conv(x, filters, k, label, strides=1):
        x = layers.Conv2D(filters, k, strides=strides, padding="same", use_bias=False, name=f"{label}_conv")(
            x
        )
        x = layers.BatchNormalization(momentum=bn_momentum, name=f"{label}_bn")(x)
        return x

    inp = keras.Input(shape=(h, w, c), name="image")
    x = layers.Rescaling(1.0 / 255.0, name="scale")(inp)
    first = None
    for s, f in enumerate(channels, start=1):
        x = layers.ReLU(name=f"s{s}a_relu")(conv(x, f, 3, f"s{s}a"))
        x = layers.ReLU(name=f"s{s}b_relu")(conv(x, f, 3, f"s{s}b"))
        x = conv(x, f, 1, f"s{s}c")
        if s == len(channels):
            stride = 2 ** (len(channels) - 2)
            skip = conv(first, f, 1, "skip", strides=stride)
            x = layers.Add(name="skip_merge")([x, skip])
        x = layers.ReLU(name=f"s{s}c_relu")(x)
        x = layers.MaxPooling2D(2, padding="same", name=f"s{s}_pool")(x)
        if s == 1:
            first = x
    x = layers.Flatten(name="flatten")(x)
    reg = regularizers.L1L2(l1=l1, l2=l2)
    out = _head(keras, x, head=head, dropout=dropout, units=tuple(dense_units), reg=reg)
    return _finish_head(keras.Model(inp, out, name=name), head)


def vgg16(
    input_shape=(32, 32, 3),
    *,
    dropout: float = 0.5,
    head: str = "compact",
    dense_units: int = 256,
    name: str = "vgg16",
):
    """The original VGG16 convolutional base (configuration D of Simonyan & Zisserman 2015:
    13 3x3 convolutions in five blocks, 2x2 max pooling after each; 14,714,688 weights, the
    same as ``keras.applications.VGG16(weights=None, include_top=False)``) and a head.

    The base is built layer by layer in the model itself (not nested as one sub-model), each
    convolution linear and followed by its own ReLU layer (``blockB_convK`` then
    ``blockB_reluK``): the same function as Keras' VGG16, but every convolution is reachable
    by :func:`feature_layers` and the filter-response images, which need the convolution's
    output before the ReLU (after it, a channel that is zero on the start image has no
    gradient and its image stays blank). Inputs smaller than 32 pixels (VGG16's minimum) are
    resized up to 32 inside the model. ``dropout=0`` is the original VGG16 without dropout
    (the paper's Fig. 4); ``head="paper"`` gives dense 4096 and a two-class softmax.
    """
    keras = _keras()
    layers = keras.layers
    h, w, c = _check_shape(input_shape, minimum=4)
    dropout = _check_dropout(dropout)
    check_choice("head", head, HEADS)
    inp = keras.Input(shape=(h, w, c), name="image")
    x = layers.Rescaling(1.0 / 255.0, name="scale")(inp)
    hh, ww = max(h, 32), max(w, 32)
    if (hh, ww) != (h, w):
        x = layers.Resizing(hh, ww, name="resize_to_32")(x)
    for b, block in enumerate(VGG16_BLOCKS, start=1):
        for k, f in enumerate(block, start=1):
            x = layers.Conv2D(f, 3, padding="same", name=f"block{b}_conv{k}")(x)
            x = layers.ReLU(name=f"block{b}_relu{k}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{b}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    if head == "paper":
        out = _head(keras, x, head=head, dropout=dropout, units=())
    else:
        x = layers.Dense(int(dense_units), activation="relu", name="dense1")(x)
        x = _dropout(layers, x, dropout, "dropout")
        out = layers.Dense(1, activation="sigmoid", name="before_probability")(x)
    return _finish_head(keras.Model(inp, out, name=name), head)


def feature_layers(model) -> list:
    """The convolution layers whose filters the report draws: the last convolution of each
    stage (improved VGG: ``s<k>c_conv``; VGG16: the last convolution of each block)."""
    names = [ly.name for ly in model.layers]
    picks = [n for n in names if n.endswith("c_conv")]
    if picks:
        return picks
    blocks: dict = {}
    for n in names:
        if n.startswith("block") and "_conv" in n:
            blocks[n.split("_")[0]] = n  # the last convolution seen in each block
    return list(blocks.values()) or [n for n in names if "conv" in n][-3:]


def _check_shape(input_shape, minimum):
    try:
        h, w, c = (int(v) for v in input_shape)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"input_shape={input_shape!r} must be (height, width, channels)") from exc
    if min(h, w) < minimum or c < 1:
        raise ParameterError(
            f"input_shape={input_shape!r}: height and width must be at least {minimum} pixels and "
            "channels at least 1"
        )
    return h, w, c


def build_model(name: str, input_shape=(32, 32, 3), **kwargs):
    """``"improved-vgg"`` or ``"vgg16"`` for ``input_shape``; keyword arguments (``head``,
    ``dropout``, ...) go to :func:`improved_vgg` / :func:`vgg16`."""
    check_choice("model", name, MODELS)
    if "head" in kwargs:
        check_choice("head", kwargs["head"], HEADS)
    return improved_vgg(input_shape, **kwargs) if name == "improved-vgg" else vgg16(input_shape, **kwargs)


def compile_model(model, *, learning_rate: float = 1e-3):
    """Adam, binary cross-entropy, ``binary_accuracy``."""
    keras = _keras()
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
    "build_model",
    "compile_model",
    "feature_layers",
    "improved_vgg",
    "vgg16",
]
