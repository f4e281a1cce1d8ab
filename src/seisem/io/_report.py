"""What a reader kept and what it dropped, and why."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from .._errors import ParameterError, ReadError

log = logging.getLogger("seisem.io")

ERRORS = ("raise", "skip")


def check_errors(errors: str) -> None:
    if errors not in ERRORS:
        raise ParameterError(
            f"errors={errors!r} is not supported; choose 'raise' (stop at the first bad row) "
            "or 'skip' (drop bad rows and report them)"
        )


@dataclass
class ReadReport:
    """Counts of rows read, kept and dropped by reason, with a few examples.

    Every reader returns one (as ``.report`` of its result) and logs its summary at
    WARNING level when anything was dropped.

    Parameters
    ----------
    source : str
        The file (or other input) the counts are of; it starts every message.
    rows_read, rows_kept : int, default 0
        Rows (lines, records) looked at, and kept.
    dropped : collections.Counter, default Counter()
        Rows dropped, by reason.
    examples : list, default []
        ``(line, reason, text)`` of the first dropped rows, at most ``max_examples``.
    max_examples : int, default 10
        How many examples are kept.
    notes : list of str, default []
        Choices the reader made, such as an assumed time zone or the columns used.
    """

    source: str
    rows_read: int = 0
    rows_kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)
    max_examples: int = 10
    notes: list = field(default_factory=list)  # how the file was read (assumed time zone, columns used)

    def note(self, text: str) -> None:
        """Record (and log at INFO level) a choice the reader made, such as an assumed time zone."""
        self.notes.append(text)
        log.info("%s: %s", self.source, text)

    @property
    def n_dropped(self) -> int:
        return sum(self.dropped.values())

    def drop(self, line: int | None, reason: str, text: str, errors: str) -> None:
        """Record a bad row, or raise :class:`ReadError` when ``errors == 'raise'``."""
        where = f"{self.source}:{line}" if line is not None else self.source
        if errors == "raise":
            raise ReadError(
                f"{where}: {reason}: {text[:120]!r} (pass errors='skip' to drop such rows and "
                "have them reported instead)"
            )
        self.dropped[reason] += 1
        if len(self.examples) < self.max_examples:
            self.examples.append((line, reason, text[:120]))

    def summary(self) -> str:
        if not self.dropped:
            return f"{self.source}: {self.rows_kept} of {self.rows_read} rows kept"
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(self.dropped.items()))
        return f"{self.source}: {self.rows_kept} of {self.rows_read} rows kept; dropped {reasons}"

    def finish(self) -> ReadReport:
        if self.dropped:
            log.warning(self.summary())
        return self

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "dropped": dict(self.dropped),
            "notes": list(self.notes),
        }
