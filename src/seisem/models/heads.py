"""What the two networks share: the heads (compact or the paper's), dropout and input checks."""

from __future__ import annotations

import numpy as np

from .._errors import ParameterError, check_choice

__all__ = ["HEADS", "PAPER_DENSE", "add_head", "check_dropout", "check_shape", "dropout_layer", "finish_head"]

HEADS = ("compact", "paper")
#: Hidden units of the paper head ("a first dense layer of 4096 then 2").
PAPER_DENSE = 4096


def check_dropout(dropout):
    if not (isinstance(dropout, (int, float)) and 0.0 <= float(dropout) < 1.0):
        raise ParameterError(f"dropout={dropout!r} must be a rate in [0, 1) (0: no dropout layer at all)")
    return float(dropout)


def dropout_layer(layers, x, rate, name):
    return layers.Dropout(rate, name=name)(x) if rate > 0 else x


def add_head(keras, x, *, head, dropout, units, reg=None):
    """Flattened features -> probability of "before" ``(n, 1)`` (see the module docstring)."""
    layers = keras.layers
    check_choice("head", head, HEADS)
    x = dropout_layer(layers, x, dropout, "dropout")
    if head == "paper":
        x = layers.Dense(PAPER_DENSE, activation="relu", kernel_regularizer=reg, name="dense1")(x)
        x = layers.Dense(2, activation="softmax", name="class_probabilities")(x)
        return layers.Dense(1, use_bias=False, trainable=False, name="before_probability")(x)
    for i, n in enumerate(units, start=1):
        x = layers.Dense(n, activation="relu", kernel_regularizer=reg, name=f"dense{i}")(x)
        if i < len(units):
            x = dropout_layer(layers, x, dropout, f"dropout{i}")
    return layers.Dense(1, activation="sigmoid", name="before_probability")(x)


def finish_head(model, head):
    """Fix the paper head's selection weights (column 1 of the softmax: "before")."""
    if head == "paper":
        model.get_layer("before_probability").set_weights([np.array([[0.0], [1.0]], dtype="float32")])
    return model


def check_shape(input_shape, minimum):
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
