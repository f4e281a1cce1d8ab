"""Outcome counts of a fuzz module: one table per module, printed and written to ``FUZZ_REPORT``."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path


def new_counts() -> defaultdict:
    """``counts[what][outcome] += 1`` (a case that fails is counted before it fails)."""
    return defaultdict(Counter)


def report(title: str, counts: defaultdict) -> None:
    """Print ``counts`` under ``title``; with ``FUZZ_REPORT`` set, add them to that JSON file under
    ``title`` (the chirpstft and reader modules of one run share the file)."""
    summary = {k: dict(c) for k, c in sorted(counts.items())}
    print(f"\n{title}:", json.dumps(summary, indent=1))
    path = os.environ.get("FUZZ_REPORT")
    if path:
        p = Path(path)
        merged = json.loads(p.read_text()) if p.exists() and p.stat().st_size else {}
        merged[title] = summary
        p.write_text(json.dumps(merged, indent=1))
