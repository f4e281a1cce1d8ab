"""Exceptions of seisem: one hierarchy, rooted at :class:`SeisemError`."""

from __future__ import annotations

import importlib


class SeisemError(Exception):
    """Base class of every error seisem raises on purpose."""


class ParameterError(SeisemError, ValueError):
    """A parameter has an invalid value; the message names it and says what is allowed."""


class ReadError(SeisemError, ValueError):
    """A file is corrupt, truncated or not in the expected format.

    The message names the file, the line (when there is one) and what was wrong, and
    says how to skip such rows instead (``errors="skip"``) where that is possible.
    """


class MissingDependencyError(SeisemError, ImportError):
    """An optional dependency needed for the requested feature is not installed."""


def require(module: str, extra: str, feature: str):
    """Import ``module`` or raise :class:`MissingDependencyError` naming the pip extra."""

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        how = (
            "`pip install seisem` (a dependency of seisem itself)"
            if extra == "seisem"
            else (f"`pip install 'seisem[{extra}]'`")
        )
        raise MissingDependencyError(
            f"{feature} needs the optional dependency {module!r}; install it with {how}"
        ) from exc


def check_choice(name: str, value, choices) -> None:
    """Raise :class:`ParameterError` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ParameterError(
            f"{name}={value!r} is not supported; choose one of {', '.join(map(repr, choices))}"
        )


class SplitError(SeisemError, ValueError):
    """A dataset's train/dev/test split cannot support training or an honest evaluation.

    Causes: an empty split, too few event groups, one class only; the message says what to
    change.
    """


class FetchError(SeisemError):
    """A download failed or a service answered in a way seisem does not expect.

    The message names the URL, the HTTP status (when there was one) and what was expected;
    ``url`` and ``status`` hold them too.

    Parameters
    ----------
    message : str
        What failed, as a sentence (the exception's text).
    url : str, optional
        The URL asked (keyword-only).
    status : int, optional
        The HTTP status of the answer; ``None`` when there was none, such as a timeout
        (keyword-only).
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status
