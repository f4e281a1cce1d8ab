"""Progress output: a tqdm bar on a terminal, plain lines (no control codes) elsewhere."""

from __future__ import annotations

import sys

from ._errors import require


def progress_bar(total: int, desc: str, unit: str, *, enable: bool = True):
    """A tqdm bar that writes plain lines (no terminal control codes) when stderr is not a
    terminal (a log file, CI): one line per step, carriage returns and ANSI codes never."""

    tqdm = require("tqdm", "seisem", "progress bars").tqdm
    tty = bool(getattr(sys.stderr, "isatty", lambda: False)())
    if not enable:
        return tqdm(total=total, disable=True)
    if tty:
        return tqdm(total=total, desc=desc, unit=unit)
    return _PlainProgress(total, desc, unit)


class _PlainProgress:
    """``update``/``close`` like tqdm, printing ``desc: i/total unit`` lines to stderr."""

    def __init__(self, total, desc, unit):
        self.total, self.desc, self.unit, self.n = int(total), desc, unit, 0

    def update(self, k: int = 1) -> None:

        self.n += k
        print(f"{self.desc}: {self.n}/{self.total} {self.unit}", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass
