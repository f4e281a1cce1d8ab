"""The seed paper's "improved VGG": the network seisem trains by default."""

from __future__ import annotations

from .._errors import ParameterError, check_choice
from .heads import HEADS, add_head, check_dropout, check_shape, finish_head
from .keras_bridge import load_keras

__all__ = ["improved_vgg"]


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
    input_shape : (height, width, channels), default (32, 32, 3)
        Height is frequency (or amplitude, for waveform channels), width is time. Each side
        must be at least 8 pixels. Inputs are uint8-range images (0 to 255), scaled to
        [0, 1] inside the model.
    dropout : float in [0, 1), default 0.5
        Dropout rate before the dense layers; 0 leaves the dropout layers out.
    head : {"compact", "paper"}, default "compact"
        The classifier head (see :mod:`seisem.models`).
    dense_units : tuple of int, default (128,)
        One or two hidden dense layers of the compact head (ignored by the paper head).
    l1, l2 : float, default 1e-5 and 1e-4
        L1 and L2 regularisation factors of the hidden dense layers' weights.
    bn_momentum : float, default 0.9
        Momentum of the batch-normalisation moving statistics. 0.9 rather than Keras'
        0.99: with the few hundred steps of a small dataset, 0.99 leaves the inference-time
        statistics far from the data's and the dev accuracy stuck at one class.
    name : str, default "improved_vgg"
        The Keras model's name.

    Returns
    -------
    keras.Model
        Uncompiled; one output, the probability of label 1 ("before"), shape ``(n, 1)``.

    Raises
    ------
    ParameterError
        A bad ``input_shape``, ``dropout``, ``head`` or ``dense_units``.
    MissingDependencyError
        Keras is not installed (``pip install 'seisem[ml]'``).
    """
    keras = load_keras()
    layers, regularizers = keras.layers, keras.regularizers
    h, w, c = check_shape(input_shape, minimum=8)
    dropout = check_dropout(dropout)
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
    out = add_head(keras, x, head=head, dropout=dropout, units=tuple(dense_units), reg=reg)
    return finish_head(keras.Model(inp, out, name=name), head)
