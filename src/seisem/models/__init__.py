"""Classifiers for station-day images (Keras 3; TensorFlow backend by default).

``build_model("improved-vgg" | "vgg16", input_shape)`` returns an uncompiled
``keras.Model``; :func:`compile_model` adds the binary cross-entropy loss and
``binary_accuracy``. Keras is imported when these functions are called, not on import.
"""

from __future__ import annotations

from .._errors import ParameterError, check_choice, require

MODELS = ("improved-vgg", "vgg16")


def _keras():
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    return require("keras", "ml", "the seisem models")


def improved_vgg(
    input_shape=(32, 32, 3),
    *,
    dropout: float = 0.5,
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
    convolution output (added before the last pooling). Then flatten, dropout, one or two
    dense layers with L1/L2 regularisation, and a sigmoid output.

    Parameters
    ----------
    input_shape : (height, width, channels)
        Height is frequency, width is time. Each side must be at least 8 pixels.
    dense_units : tuple of int
        One or two hidden dense layers.
    bn_momentum : float
        Momentum of the batch-normalisation moving statistics. 0.9 rather than Keras'
        0.99: with the few hundred steps of a small dataset, 0.99 leaves the inference-time
        statistics far from the data's and the dev accuracy stuck at one class.
    """
    keras = _keras()
    layers, regularizers = keras.layers, keras.regularizers
    h, w, c = _check_shape(input_shape, minimum=8)
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
    x = layers.Dropout(dropout, name="dropout")(x)
    reg = regularizers.L1L2(l1=l1, l2=l2)
    for i, units in enumerate(dense_units, start=1):
        x = layers.Dense(units, activation="relu", kernel_regularizer=reg, name=f"dense{i}")(x)
        if i < len(dense_units):
            x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    out = layers.Dense(1, activation="sigmoid", name="before_probability")(x)
    return keras.Model(inp, out, name=name)


def vgg16(input_shape=(32, 32, 3), *, dropout: float = 0.5, dense_units: int = 256, name: str = "vgg16"):
    """The original VGG16 convolutional base (``keras.applications.VGG16(weights=None)``)
    with a small binary head, as the baseline. Inputs smaller than 32 pixels (VGG16's
    minimum) are resized up to 32 inside the model."""
    keras = _keras()
    layers = keras.layers
    h, w, c = _check_shape(input_shape, minimum=4)
    inp = keras.Input(shape=(h, w, c), name="image")
    x = layers.Rescaling(1.0 / 255.0, name="scale")(inp)
    hh, ww = max(h, 32), max(w, 32)
    if (hh, ww) != (h, w):
        x = layers.Resizing(hh, ww, name="resize_to_32")(x)
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(hh, ww, c))
    x = base(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense1")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    out = layers.Dense(1, activation="sigmoid", name="before_probability")(x)
    return keras.Model(inp, out, name=name)


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
    """``"improved-vgg"`` or ``"vgg16"`` for ``input_shape``."""
    check_choice("model", name, MODELS)
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


__all__ = ["MODELS", "build_model", "compile_model", "improved_vgg", "vgg16"]
