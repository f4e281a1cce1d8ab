"""The station file formats a dataset can be built from: one table, one entry per format.

Each :class:`StationFormat` says what its files look like, which calendar-day time zone its
users count in, whether its files carry station coordinates, how to look into a file cheaply
(:attr:`StationFormat.probe`: the station codes it holds and its sampling interval, read from
the time stamps of its first rows) and how to read one station's series from it
(:attr:`StationFormat.read`). :data:`FORMATS` is the table; the build, the station reader and
the command line all ask it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._errors import ParameterError, ReadError, require
from ..io import read_aeta_features, read_iaga2002, read_obspy
from ..io.aeta import FILE_PATTERN

__all__ = [
    "FORMATS",
    "FileInfo",
    "Part",
    "StationFormat",
    "common_interval",
    "probe_file",
    "resolve_interval",
]

#: Rows of a file's head whose time stamps give its interval (the median spacing).
PROBE_ROWS = 400
#: Bytes of a file's head read by a probe.
PROBE_BYTES = 1 << 18


class FileInfo(NamedTuple):
    """What a probe found in a file: the station codes it holds and its sampling interval
    (seconds, the median spacing of its first time stamps; None when it has fewer than 2)."""

    stations: frozenset
    interval_s: float | None


class Part(NamedTuple):
    """One file's series of one station, as read for a build."""

    times: np.ndarray  #: datetime64[ns], UTC
    values: np.ndarray  #: the dataset's series
    report: dict  #: the reader's report
    columns: dict  #: every column read (IAGA-2002: each element), else ``{"series": values}``


@dataclass(frozen=True)
class StationFormat:
    """One station file format (see the module docstring)."""

    name: str
    looks: str  #: what a file of this format looks like (for messages)
    tz: str  #: the time zone of its calendar days by default
    coordinates_in_files: bool  #: the files' headers give the stations' coordinates
    in_nt: bool  #: the values are magnetic field in nT
    probe: Callable[[str], FileInfo]
    read: Callable  #: ``(path, code, cfg, missing_element) -> list[Part]``


def _median_spacing(seconds) -> float | None:
    t = np.unique(np.asarray(seconds, dtype=np.float64))
    t = t[np.isfinite(t)]
    if t.size < 2:
        return None
    return float(np.round(np.median(np.diff(t)), 6))


def _head_lines(path: str) -> list:
    with open(path, "rb") as fh:
        data = fh.read(PROBE_BYTES)
    lines = data.split(b"\n")
    if len(data) == PROBE_BYTES:
        lines = lines[:-1]  # the last line may be cut
    return [ln.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r") for ln in lines]


def _probe_aeta(path: str) -> FileInfo:
    m = FILE_PATTERN.match(os.path.basename(path))
    if not m:
        return FileInfo(frozenset(), None)
    lines = [ln for ln in _head_lines(path) if ln.strip()]
    interval = None
    if lines:
        header = [h.strip() for h in lines[0].split(",")]
        if "TimeStamp" in header:
            col = header.index("TimeStamp")
            stamps = []
            for ln in lines[1 : PROBE_ROWS + 1]:
                fields = ln.split(",")
                try:
                    stamps.append(float(fields[col]))
                except (IndexError, ValueError):
                    continue
            interval = _median_spacing(stamps)
    return FileInfo(frozenset({m.group("station")}), interval)


def _probe_iaga(path: str) -> FileInfo:
    code, stamps = None, []
    for line in _head_lines(path):
        if code is None and line.lower().startswith(" iaga code"):
            code = line[24:].rstrip().rstrip("|").strip()
        elif line[:4].isdigit() and len(line) > 19 and line[4] == "-":
            try:
                stamps.append(
                    np.datetime64(f"{line[:10]}T{line[11:23].strip()}", "ms").astype(np.int64) / 1e3
                )
            except ValueError:
                continue
            if len(stamps) >= PROBE_ROWS:
                break
    if code is None:
        return FileInfo(frozenset(), None)
    return FileInfo(frozenset({code}), _median_spacing(stamps))


def _probe_obspy(path: str) -> FileInfo:
    obspy = require("obspy", "obspy", "the obspy format")
    try:
        st = obspy.read(path, headonly=True)
    except Exception:
        return FileInfo(frozenset(), None)
    deltas = [float(tr.stats.delta) for tr in st]
    return FileInfo(
        frozenset(tr.stats.station for tr in st), Counter(deltas).most_common(1)[0][0] if deltas else None
    )


def _read_aeta(path, code, cfg, missing_element):
    s = read_aeta_features(path, feature=cfg.feature, station=code, errors="skip")
    return [Part(s.times, s.values, s.report.to_dict(), {"series": s.values})]


def _read_iaga(path, code, cfg, missing_element):
    r = read_iaga2002(path, errors="skip")
    if cfg.element not in r.values:
        if missing_element == "skip":
            return []
        raise ReadError(f"{path}: element={cfg.element!r} not in the file (it has {r.elements})")
    return [Part(r.times, r.values[cfg.element], r.report.to_dict(), dict(r.values))]


def _read_obspy(path, code, cfg, missing_element):
    return [
        Part(s.times, s.values, s.report.to_dict(), {"series": s.values})
        for s in read_obspy(path, channel=cfg.channel).values()
        if s.station_code == code
    ]


#: The table of station file formats.
FORMATS = {
    "aeta": StationFormat(
        "aeta", "AETA files are named <station>_magn.csv", "+08:00", False, False, _probe_aeta, _read_aeta
    ),
    "iaga2002": StationFormat(
        "iaga2002",
        "IAGA-2002 files have an 'IAGA Code' header line",
        "UTC",
        True,
        True,
        _probe_iaga,
        _read_iaga,
    ),
    "obspy": StationFormat(
        "obspy",
        "any waveform file ObsPy reads, with the station code in its headers",
        "UTC",
        False,
        False,
        _probe_obspy,
        _read_obspy,
    ),
}


def probe_file(path: str, fmt: str) -> FileInfo:
    """What file ``path`` holds when read as format ``fmt`` (no stations: not such a file)."""
    return FORMATS[fmt].probe(path)


def _few(names, n: int = 3) -> str:
    names = sorted(names)
    return ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")


def common_interval(infos: dict) -> float | None:
    """The sampling interval shared by the files ``infos`` (path -> :class:`FileInfo`).

    Files whose head has fewer than two time stamps do not vote. Files at different intervals
    raise :class:`~seisem.ParameterError` naming them (a dataset's days must all have one
    length); None when no file tells.
    """
    votes = {p: i.interval_s for p, i in infos.items() if i.interval_s}
    if not votes:
        return None
    groups: dict = {}
    for p, v in votes.items():
        key = next((k for k in groups if abs(k - v) <= 1e-3 * v), v)
        groups.setdefault(key, []).append(os.path.basename(p))
    if len(groups) > 1:
        listed = "; ".join(f"{k:g} s: {_few(n)}" for k, n in sorted(groups.items()))
        raise ParameterError(
            f"the station files are at different sampling intervals ({listed}); a dataset's days must all "
            "have one length: build the groups of files separately (--data), or resample them to one interval"
        )
    return next(iter(groups))


def resolve_interval(cfg, infos: dict) -> tuple:
    """``cfg`` with the sampling interval the station files' time stamps give, and a record of
    where it came from (for the manifest). A given ``cfg.interval_s`` that disagrees with the
    files raises :class:`~seisem.ParameterError` naming both; files at different intervals too."""
    told = {f: i for f, i in infos.items() if i.stations}
    found = common_interval(told)
    voters = sum(1 for i in told.values() if i.interval_s)
    if found is None:
        if cfg.interval_s is None:
            raise ParameterError(
                f"interval_s: none of the {len(told)} station file(s) has two time stamps in its first rows, so "
                "the sampling interval cannot be read from them; pass it (--interval-s, e.g. 600 for 10-minute "
                "AETA features)"
            )
        return cfg, {"interval_s": cfg.interval_s, "from": "given (the files do not tell)"}
    given = cfg.interval_s is not None
    cfg = cfg.resolve(found)
    how = f"the time stamps of {voters} file(s)" + (", agreeing with the given value" if given else "")
    return cfg, {"interval_s": cfg.interval_s, "from": how}
