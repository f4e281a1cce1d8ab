"""VGG16 (configuration D of Simonyan & Zisserman 2015) with seisem's heads: the paper's baseline."""

from __future__ import annotations

from .._errors import check_choice
from .heads import HEADS, add_head, check_dropout, check_shape, dropout_layer, finish_head
from .keras_bridge import load_keras

__all__ = ["VGG16_BLOCKS", "vgg16"]

#: VGG16 configuration D (Simonyan & Zisserman 2015, Table 1): filters per 3x3 convolution, by block.
VGG16_BLOCKS = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))


# vgg16 and improved_vgg document the same head options and outputs (a kept pair, docstrings only): the
# head itself is built once, in heads.py.
def vgg16(
    input_shape=(32, 32, 3),
    *,
    dropout: float = 0.5,
    head: str = "compact",
    dense_units: int = 256,
    name: str = "vgg16",
):
    """The original VGG16 convolutional base and one of seisem's heads.

    The base is configuration D of Simonyan & Zisserman 2015: 13 3x3 convolutions in five
    blocks, 2x2 max pooling after each; 14,714,688 weights, the same as
    ``keras.applications.VGG16(weights=None, include_top=False)``.

    The base is built layer by layer in the model itself (not nested as one sub-model), each
    convolution linear and followed by its own ReLU layer (``blockB_convK`` then
    ``blockB_reluK``): the same function as Keras' VGG16, but every convolution is reachable
    by :func:`feature_layers` and the filter-response images, which need the convolution's
    output before the ReLU (after it, a channel that is zero on the start image has no
    gradient and its image stays blank). Inputs smaller than 32 pixels (VGG16's minimum) are
    resized up to 32 inside the model. ``dropout=0`` is the original VGG16 without dropout
    (the paper's Fig. 4); ``head="paper"`` gives dense 4096 and a two-class softmax.

    Parameters
    ----------
    input_shape : (height, width, channels), default (32, 32, 3)
        The images' shape (height is frequency, width is time); each side at least 4 pixels.
        Inputs are uint8-range images (0 to 255), scaled to [0, 1] inside the model.
    dropout : float in [0, 1), default 0.5
        Dropout rate of the head (after the hidden dense layer of the compact head, before
        the dense layers of the paper head); 0 leaves the dropout layer out.
    head : {"compact", "paper"}, default "compact"
        ``"compact"``: flatten, dense ``dense_units`` ReLU, dropout, dense 1 sigmoid;
        ``"paper"``: the paper's dense 4096 and two-class softmax (see :mod:`seisem.models`).
    dense_units : int, default 256
        Hidden units of the compact head (ignored by the paper head).
    name : str, default "vgg16"
        The Keras model's name.

    Returns
    -------
    keras.Model
        Uncompiled; one output, the probability of label 1 ("before"), shape ``(n, 1)``.

    Raises
    ------
    ParameterError
        A bad ``input_shape``, ``dropout`` or ``head``.
    MissingDependencyError
        Keras is not installed (``pip install 'seisem[ml]'``).
    """
    keras = load_keras()
    layers = keras.layers
    h, w, c = check_shape(input_shape, minimum=4)
    dropout = check_dropout(dropout)
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
        out = add_head(keras, x, head=head, dropout=dropout, units=())
    else:
        x = layers.Dense(int(dense_units), activation="relu", name="dense1")(x)
        x = dropout_layer(layers, x, dropout, "dropout")
        out = layers.Dense(1, activation="sigmoid", name="before_probability")(x)
    return finish_head(keras.Model(inp, out, name=name), head)
