"""The plumbing of the ``seisem`` command, shared by :mod:`seisem.cli` and :mod:`seisem.cli_ml`.

One help formatter and one way to declare a command; the option types, each of which turns the
user's text into the value once (with a message that says what to pass instead); and the parsed
options handed on to a function's parameters of the same names.
"""

from __future__ import annotations

import argparse

import numpy as np

import chirpstft

from ._errors import ParameterError, SeisemError
from .data.config import parse_chirp_rate
from .data.pairing import distance_rule


class Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every option's default (``(default: ...)``) after its help text (none when the
    default is None: the help says what happens then)."""

    def _get_help_string(self, action):
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def command(sub, name: str, help: str, func=None) -> argparse.ArgumentParser:
    """The parser of command ``name`` (a subparser of ``sub``), which runs ``func(args)``."""
    p = sub.add_parser(name, help=help, formatter_class=Help)
    if func is not None:
        p.set_defaults(func=func)
    return p


def options(args, *names: str) -> dict:
    """The parsed options ``names`` as keyword arguments of the same names."""
    return {name: getattr(args, name) for name in names}


# --- option types: argparse calls each with the option's text --------------------------------------


def floats(text):
    """Comma-separated numbers, as a tuple."""
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not comma-separated numbers, e.g. 0.6,0.2,0.2"
        ) from None


def positive(kind):
    """A positive int or float (the message says what to pass)."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or value != value or value == float("inf"):
            word = "a positive integer, e.g. 128" if kind is int else "a positive number, e.g. 600"
            raise argparse.ArgumentTypeError(f"{text!r} is not {word}")
        return value

    parse.__name__ = f"positive_{kind.__name__}"
    return parse


def size(text):
    """'height,width' in pixels, as a tuple."""
    parts = text.split(",")
    try:
        h, w = (int(v) for v in parts)
    except ValueError:
        h = w = 0
    if len(parts) != 2 or h <= 0 or w <= 0 or h * w > 1 << 24:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not height,width in pixels (two positive integers, at most 16 Mpixel), e.g. 32,32"
        )
    return (h, w)


def scheduler(text):
    """A dask scheduler name or a distributed address."""
    if text in ("threads", "processes", "synchronous", "single-threaded", "sync") or text.startswith(
        ("tcp://", "tls://", "inproc://", "ucx://")
    ):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a dask scheduler: pass threads, processes, synchronous or an address tcp://host:port"
    )


def cmap(text):
    """A colormap chirpstft can use."""
    try:
        chirpstft.colorize(np.zeros((1, 1)), text)
    except chirpstft.ChirpSTFTError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def chirp_rate(text):
    """'auto', '<c>bins' or a finite number of Hz/s (:func:`seisem.data.config.parse_chirp_rate`
    reads it): a number becomes a float, the other spellings stay as written."""
    try:
        unit, value = parse_chirp_rate(text)
    except ParameterError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a chirp rate: pass 'auto', '<c>bins' (e.g. 4bins) or a number in Hz/s (0: plain STFT)"
        ) from None
    return value if unit == "hz" else text.strip()


def distance(text):
    """A number of km or 'dobrovolsky'."""
    if text.strip().lower() == "dobrovolsky":
        return "dobrovolsky"
    try:
        distance_rule(text)
    except SeisemError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return float(text)
