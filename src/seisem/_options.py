"""Command-line options declared on configuration fields, so that a default is written once.

A dataclass field whose metadata is :func:`option` becomes an option of the command that takes
that configuration (``seisem build`` for :class:`~seisem.data.BuildConfig` and
:class:`~seisem.data.QCConfig`); ``seisem.cli`` reads the metadata.
"""

from __future__ import annotations


def option(
    help: str, *, kind: str | None = None, choices=None, flag: str | None = None, group: str = ""
) -> dict:
    """The metadata of a configuration field that is a command-line option.

    ``kind`` names how the command line parses the text (``seisem.cli`` maps it to an
    argparse type; None: the field's own type), ``choices`` the allowed values, ``flag`` the
    option's name when it is not ``--<field-name>``, ``group`` the help section. Fields without
    this metadata are not options (or are added by hand).
    """
    return {"help": help, "kind": kind, "choices": choices, "flag": flag, "group": group}
