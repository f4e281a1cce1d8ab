"""``seisem fetch observatory``: one-minute IAGA-2002 day files from the INTERMAGNET web service
(BGS GIN) or the USGS geomagnetism web service, resumably, into a folder ``seisem build --format
iaga2002 --data`` reads as it is.

Layout of ``out``::

    out/kak20110301dmin.min     one file per station and UTC day, named as INTERMAGNET names them:
    out/kak20110302dmin.min     <iaga code><yyyymmdd><d|q|p|v>min.min (definitive, quasi-definitive,
    ...                         provisional, variation: the data type the file's header states)
    out/about/TERMS.txt         the terms of use and citation of every source fetched into out
    out/about/SOURCE.json       where each file came from (URL, sha256, data type) and each run's summary

A file appears under its name only complete: the body goes to a hidden temporary file
(``.kak20110301.<pid>.part``), is read back with :func:`seisem.io.read_iaga2002` and checked (the
station asked for, the 1440 minutes of the day in order, no malformed or truncated record), and is
renamed only then. A run that is killed leaves at most hidden ``.part`` files, which the build
ignores and the next run removes; the next run skips the files on disk and fetches the rest.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import __version__
from .._errors import FetchError, ParameterError, ReadError, check_choice
from .._files import file_sha256, write_json, write_text
from .._progress import progress_bar
from ..io import read_iaga2002
from ..io.iaga2002 import RECORD_WIDTH
from ._http import Http, Response, Truncated, Unexpected
from .terms import TERMS, terms_summary, terms_text

SOURCES = ("intermagnet", "usgs")
BASE_URLS = {
    "intermagnet": "https://imag-data.bgs.ac.uk/GIN_V1/GINServices",
    "usgs": "https://geomag.usgs.gov/ws/data/",
}


class TypeRule(NamedTuple):
    """What one ``--type`` asks of each service and accepts on disk."""

    gin_state: str  # the GIN's ``publicationState``
    usgs_types: tuple  # the USGS service's ``type`` values tried, in order (it has no "best available")
    accepts: str  # file-name letters accepted, best first (a better product is accepted too)
    letter: str  # the letter of a file whose header does not state a data type seisem recognises


#: Each --type's rule, in one table.
TYPE_RULES = {
    "definitive": TypeRule("definitive", ("definitive",), "d", "d"),
    "quasi-definitive": TypeRule("quasi-def", ("quasi-definitive",), "dq", "q"),
    "provisional": TypeRule("adj-or-rep", ("adjusted",), "dqpv", "p"),
    "best-available": TypeRule("best-avail", ("definitive", "quasi-definitive", "adjusted"), "dqpv", "p"),
}
TYPES = tuple(TYPE_RULES)
MINUTES = 1440
ABOUT = "about"
_CODE = re.compile(r"^[A-Za-z]{3}$")
_ELEMENT = set("XYZFHDEGIS")
_FILE = re.compile(r"^(?P<code>[a-z]{3})(?P<day>\d{8})(?P<letter>[dqpv])min\.min$")
_PART = re.compile(r"^\.[a-z]{3}\d{8}\.\d+\.part$")


def type_letter(data_type: str | None) -> str | None:
    """The IAGA file-name letter of a header's ``Data Type`` (None when it is not recognised)."""
    t = (data_type or "").strip().lower()
    if t.startswith("def"):
        return "d"
    if t.startswith("quasi"):
        return "q"
    if t.startswith(("prov", "adj")):
        return "p"
    if t.startswith(("var", "rep")):
        return "v"
    return None


def file_name(code: str, day: date, letter: str) -> str:
    return f"{code.lower()}{day:%Y%m%d}{letter}min.min"


def parse_stations(stations) -> list:
    """IAGA codes from ``"KAK,MMB"`` text or a list of such texts; upper case, in order, once each."""
    if isinstance(stations, str):
        stations = [stations]
    codes: list = []
    for item in stations or []:
        for code in filter(None, (c.strip() for c in str(item).split(","))):
            if not _CODE.match(code):
                raise ParameterError(
                    f"station={code!r} (--station) is not an IAGA observatory code: three letters, e.g. KAK "
                    "(Kakioka), MMB (Memambetsu), BOU (Boulder)"
                )
            if code.upper() not in codes:
                codes.append(code.upper())
    if not codes:
        raise ParameterError(
            "station (--station) is empty: give one or more IAGA codes, e.g. --station KAK MMB"
        )
    return codes


def parse_elements(elements, source: str) -> str:
    """``"HDZF"``/``"H,D,Z,F"`` -> ``"HDZF"``; ``"native"`` (INTERMAGNET only) stays."""
    text = str(elements).strip()
    if text.lower() == "native":
        if source != "intermagnet":
            raise ParameterError(
                "elements='native' (--elements) is an INTERMAGNET orientation; the USGS service needs "
                "the elements named, e.g. --elements HDZF"
            )
        return "native"
    letters = [c for c in text.upper() if c not in ", "]
    if (
        not 1 <= len(letters) <= 4
        or any(c not in _ELEMENT for c in letters)
        or len(set(letters)) != len(letters)
    ):
        raise ParameterError(
            f"elements={elements!r} (--elements): one to four distinct elements of {''.join(sorted(_ELEMENT))}, "
            "e.g. HDZF or XYZF (IAGA-2002 holds four columns)"
        )
    return "".join(letters)


def parse_day(text, name: str) -> date:
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ParameterError(
            f"{name}={text!r} (--{name}) is not a date: write YYYY-MM-DD, e.g. 2011-03-01"
        ) from None


def day_range(start, end, *, today: date | None = None) -> list:
    """The UTC days from ``start`` to ``end``, both included."""
    d0, d1 = parse_day(start, "start"), parse_day(end, "end")
    if d0 > d1:
        raise ParameterError(
            f"start={d0} (--start) is after end={d1} (--end): --end is the last day fetched (included); "
            "swap them"
        )
    today = today or datetime.now(UTC).date()
    if d0 > today:
        raise ParameterError(f"start={d0} (--start) is in the future (today is {today} UTC)")
    return [d0 + timedelta(days=k) for k in range((d1 - d0).days + 1)]


def _with_query(base: str, params: dict) -> str:
    sep = "&" if "?" in base else "?"
    return base + sep + urllib.parse.urlencode(params, safe=",:")


def observatory_url(
    source: str, base_url: str, code: str, day: date, service_type: str, elements: str
) -> str:
    """The request for one station and UTC day. ``service_type`` is the service's own word
    (GIN ``publicationState`` / USGS ``type``)."""
    if source == "intermagnet":
        return _with_query(
            base_url,
            {
                "Request": "GetData",
                "format": "IAGA2002",
                "testObsys": "0",
                "observatoryIagaCode": code,
                "samplesPerDay": "minute",
                "orientation": elements,
                "publicationState": service_type,
                "recordTermination": "UNIX",
                "dataStartDate": f"{day:%Y-%m-%d}",
                "dataDuration": "1",
            },
        )
    return _with_query(
        base_url,
        {
            "id": code,
            "starttime": f"{day:%Y-%m-%d}T00:00:00Z",
            "endtime": f"{day:%Y-%m-%d}T23:59:00Z",
            "elements": ",".join(elements),
            "sampling_period": "60",
            "type": service_type,
            "format": "iaga2002",
        },
    )


@dataclass
class DayFile:
    """What :func:`check_day` found in a downloaded day: the header's data type, its letter, and
    whether any value is present."""

    data_type: str
    letter: str | None
    has_data: bool
    records: int


def check_day(path, code: str, day: date) -> DayFile:
    """Check a downloaded IAGA-2002 day file at ``path``.

    Raises :class:`Truncated` when it is cut short (a truncated last record, or only the first
    minutes of the day) and :class:`Unexpected` when it is not a one-minute IAGA-2002 day of
    station ``code`` (another station, other days, malformed records).
    """
    with open(path, "rb") as fh:
        head = fh.read(8192)
    if not head:
        raise Truncated("the body is empty")
    if not head.startswith(b" ") or b"IAGA CODE" not in head.upper():
        raise Unexpected("the body is not an IAGA-2002 file (no ' IAGA CODE' header record)")
    with open(path, "rb") as fh:
        fh.seek(max(0, os.path.getsize(path) - 100))
        tail = fh.read()
    last = tail.rsplit(b"\n", 1)[-1]
    if last[:4].isdigit() and len(last.rstrip(b"\r").rstrip()) != RECORD_WIDTH:
        raise Truncated(f"the last record is cut short ({len(last)} characters, no line end)")
    try:
        r = read_iaga2002(path, errors="skip")
    except ReadError as exc:
        if "no column record" in str(exc):
            raise Truncated("the body ends inside the header (no 'DATE TIME DOY' column record)") from None
        raise Unexpected(f"it is not a readable IAGA-2002 file ({exc})") from None
    if r.report.n_dropped:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(r.report.dropped.items()))
        if "truncated" in reasons:
            raise Truncated(f"the last record is cut short ({reasons})")
        raise Unexpected(f"{r.report.n_dropped} malformed record(s): {reasons}")
    got = str(r.header.get("station_code", "")).strip().upper()
    if got != code:
        raise Unexpected(f"it holds station {got!r}, not {code!r}")
    t = r.times
    expected = np.datetime64(day.isoformat(), "ns") + np.arange(MINUTES) * np.timedelta64(60, "s")
    data_type = str(r.header.get("data_type", "") or "")
    if t.size == 0:
        return DayFile(data_type, type_letter(data_type), False, 0)
    if t.size > MINUTES or not np.array_equal(t, expected[: t.size]):
        first, last = str(t[0])[:19], str(t[-1])[:19]
        raise Unexpected(
            f"its {t.size} records ({first} to {last}) are not the one-minute records of {day} "
            f"(00:00 to 23:59 UTC)"
        )
    if t.size < MINUTES:
        raise Truncated(f"it stops after {t.size} of {MINUTES} minutes (last record {str(t[-1])[:19]})")
    has_data = any(bool(np.isfinite(v).any()) for v in r.values.values())
    return DayFile(data_type, type_letter(data_type), has_data, int(t.size))


def complete_on_disk(path) -> bool:
    """A cheap test that a day file on disk is whole: it ends with a full record of 23:59."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            fh.seek(max(0, size - 200))
            tail = fh.read()
    except OSError:
        return False
    if not tail.endswith(b"\n"):
        return False
    last = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    return len(last.rstrip()) == 70 and last[11:16] == b"23:59" and last[:4].isdigit()


@dataclass
class ObservatorySummary:
    """What a run of :func:`fetch_observatory` did.

    Files fetched and skipped, station-days missing at the service (with the reason), failures
    (with the URL and status), and notes; ``.text()`` is the summary the command line prints,
    with the source's terms of use.

    Parameters
    ----------
    out : str
        The folder of the IAGA-2002 files.
    source : {"intermagnet", "usgs"}
        The web service asked.
    fetched : list of str, default []
        Names of the files downloaded by this run.
    skipped : list of str, default []
        Names of the files already complete on disk (not requested again).
    missing : list of (str, str), default []
        ``(station-day, reason)`` of the station-days without data: the service has none, or
        the UTC day is not over yet.
    failed : list of (str, str), default []
        ``(station-day, message)`` of the station-days that failed after their retries (the
        message names the URL and status).
    notes : list of str, default []
        Remarks (an incomplete file fetched again, temporary files removed, days duplicated
        in several files).
    requests : int, default 0
        HTTP requests made by this run.
    bytes : int, default 0
        Bytes of the files downloaded.
    """

    out: str
    source: str
    fetched: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # (station-day, reason)
    failed: list = field(default_factory=list)  # (station-day, message naming the URL)
    notes: list = field(default_factory=list)
    requests: int = 0
    bytes: int = 0

    def text(self) -> str:
        lines = [
            f"{self.out}: {len(self.fetched)} fetched, {len(self.skipped)} skipped (complete on disk), "
            f"{len(self.missing)} missing at the service, {len(self.failed)} failed "
            f"({self.requests} requests, {self.bytes / 1e6:.1f} MB)"
        ]
        for what, why in self.missing[:10]:
            lines.append(f"  missing {what}: {why}")
        if len(self.missing) > 10:
            lines.append(f"  ... and {len(self.missing) - 10} more missing (listed in {ABOUT}/SOURCE.json)")
        for what, why in self.failed[:10]:
            lines.append(f"  failed {what}: {why}")
        if len(self.failed) > 10:
            lines.append(f"  ... and {len(self.failed) - 10} more failed (listed in {ABOUT}/SOURCE.json)")
        lines += [f"  note: {n}" for n in self.notes]
        key = "intermagnet" if self.source == "intermagnet" else "usgs-geomag"
        lines.append(terms_summary(key))
        lines.append(f"(the terms and citation are in {os.path.join(self.out, ABOUT, 'TERMS.txt')})")
        return "\n".join(lines)


def _existing(out: Path, code: str, day: date, accepts: str):
    for letter in accepts:
        p = out / file_name(code, day, letter)
        if p.is_file():
            return p
    return None


def _clean_parts(out: Path) -> int:
    n = 0
    for p in out.iterdir():
        if _PART.match(p.name) and p.is_file():
            p.unlink()
            n += 1
    return n


def _load_json(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_about(out: Path, key: str, service: str, run: dict, files: dict) -> None:
    """Merge this run into ``out/about/SOURCE.json`` and rewrite ``out/about/TERMS.txt`` with the
    terms of every source recorded there (both written atomically)."""
    about = out / ABOUT
    info = _load_json(about / "SOURCE.json")
    info.setdefault("written_by", "seisem fetch")
    sources = info.setdefault("sources", {})
    t = TERMS[key]
    sources[key] = {
        "service": service,
        "name": t["name"],
        "licence": t["licence"],
        "terms_url": t["terms_url"],
        "citation": t["citation"],
    }
    info.setdefault("runs", []).append(run)
    info.setdefault("files", {}).update(files)
    write_json(about / "SOURCE.json", info)
    write_text(about / "TERMS.txt", "\n\n".join(terms_text(k) for k in sorted(sources) if k in TERMS))


def fetch_observatory(
    out,
    stations,
    start,
    end,
    *,
    source: str = "intermagnet",
    type: str = "definitive",
    elements: str = "HDZF",
    base_url: str | None = None,
    http: Http | None = None,
    progress: bool = True,
    max_consecutive_failures: int = 3,
    today: date | None = None,
) -> ObservatorySummary:
    """Fetch one-minute IAGA-2002 day files of observatories into a folder.

    The files of ``stations`` from ``start`` to ``end`` (UTC days, both included) go into the
    folder ``out``; see the module's docstring for the layout.

    Parameters
    ----------
    out : path-like
        The folder (created if needed). Files already there and complete are skipped.
    stations : str or list of str
        IAGA codes (``"KAK"``, ``["KAK", "MMB"]`` or ``"KAK,MMB"``).
    start, end : str or date
        First and last UTC day (``YYYY-MM-DD``). Days not over yet (UTC) are reported missing.
    source : {"intermagnet", "usgs"}
        The INTERMAGNET web service (BGS GIN; any INTERMAGNET observatory) or the USGS
        geomagnetism web service (USGS observatories).
    type : {"definitive", "quasi-definitive", "provisional", "best-available"}
        The data's publication state. INTERMAGNET: ``publicationState`` definitive, quasi-def,
        adj-or-rep, best-avail. USGS: ``type`` definitive, quasi-definitive, adjusted; for
        best-available each day tries those three in turn and keeps the first with data.
    elements : str
        Four elements (``"HDZF"``, ``"XYZF"``) or, for INTERMAGNET, ``"native"`` (the
        observatory's own orientation). ``seisem build``'s default element is H.
    base_url : str, optional
        Another server speaking the same protocol (a mirror, a test server).
    http : Http, optional
        The HTTP client (rate limit, retries, backoff, timeout); default ``Http()``: one
        request a second, four retries from 2 s.
    max_consecutive_failures : int
        Stop (with :class:`FetchError`) after this many station-days in a row failed after
        their retries: the service is down; run again later to resume.
    progress : bool
        A progress bar (plain lines when stderr is not a terminal).
    today : date, optional
        The current UTC day (tests); days from it on are reported missing, not requested.

    Returns
    -------
    ObservatorySummary
        ``.text()`` is the summary printed by the command line, with the terms of use.
    """
    check_choice("source", source, SOURCES)
    check_choice("type", type, TYPES)
    codes = parse_stations(stations)
    elements = parse_elements(elements, source)
    days = day_range(start, end, today=today)
    today = today or datetime.now(UTC).date()
    base = base_url or BASE_URLS[source]
    if not base.startswith(("http://", "https://")):
        raise ParameterError(f"base_url={base!r} (--base-url) must start with http:// or https://")
    http = http or Http()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"out={str(out)!r} (--out) is a file; give a folder for the IAGA-2002 files")
    out.mkdir(parents=True, exist_ok=True)
    summary = ObservatorySummary(str(out), source)
    removed = _clean_parts(out)
    if removed:
        summary.notes.append(f"removed {removed} temporary file(s) left by an interrupted run")
    rule = TYPE_RULES[type]
    accepts = rule.accepts
    service_types = (rule.gin_state,) if source == "intermagnet" else rule.usgs_types
    key = "intermagnet" if source == "intermagnet" else "usgs-geomag"
    started = datetime.now(UTC).isoformat(timespec="seconds")
    records: dict = {}
    statuses: list = []
    requests_before = http.requests
    bar = progress_bar(len(codes) * len(days), f"fetch {source}", "file", enable=progress)
    failures_in_row = 0
    try:
        for code in codes:
            for day in days:
                label = f"{code} {day}"
                bar.update(1)
                have = _existing(out, code, day, accepts)
                if have is not None and complete_on_disk(have):
                    summary.skipped.append(have.name)
                    continue
                if have is not None:
                    summary.notes.append(f"{have.name} on disk is incomplete: fetched again")
                if day >= today:
                    summary.missing.append((label, f"the UTC day is not over yet (today is {today})"))
                    continue
                try:
                    got = _fetch_day(
                        http, out, source, base, code, day, service_types, elements, type, statuses
                    )
                except FetchError as exc:
                    if exc.status is not None and exc.status not in (408, 429, 500, 502, 503, 504, 200):
                        raise  # the request itself is wrong: more of the same will not help
                    summary.failed.append((label, str(exc)))
                    failures_in_row += 1
                    if failures_in_row >= max_consecutive_failures:
                        raise FetchError(
                            f"{failures_in_row} station-days in a row failed after their retries (the last: "
                            f"{exc}); the service seems down. {len(summary.fetched)} files were fetched; run "
                            "the same command again later to resume",
                            url=exc.url,
                            status=exc.status,
                        ) from None
                    continue
                failures_in_row = 0
                if isinstance(got, str):
                    summary.missing.append((label, got))
                    continue
                name, url, df, nbytes = got
                summary.fetched.append(name)
                summary.bytes += nbytes
                records[name] = {
                    "source": source,
                    "url": url,
                    "sha256": file_sha256(out / name),
                    "bytes": nbytes,
                    "data_type": df.data_type,
                    "fetched_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                }
    finally:
        bar.close()
        summary.requests = http.requests - requests_before
        if statuses and all(s == 404 for s in statuses) and not summary.fetched:
            summary.notes.append(
                f"every request was answered HTTP 404: check --base-url ({base}) and the station codes"
            )
        summary.notes += _duplicate_days(out)
        run = {
            "started_utc": started,
            "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "seisem_version": __version__,
            "source": source,
            "service": base,
            "stations": codes,
            "start": days[0].isoformat(),
            "end": days[-1].isoformat(),
            "type": type,
            "elements": elements,
            "fetched": len(summary.fetched),
            "skipped": len(summary.skipped),
            "missing": [list(m) for m in summary.missing],
            "failed": [list(f) for f in summary.failed],
        }
        write_about(out, key, base, run, records)
    return summary


def _fetch_day(http, out, source, base, code, day, service_types, elements, type, statuses):
    """Fetch one station-day: ``(name, url, DayFile, bytes)``, or the reason it is missing (str)."""
    tmp = out / f".{code.lower()}{day:%Y%m%d}.{os.getpid()}.part"
    reasons = []
    try:
        for service_type in service_types:
            url = observatory_url(source, base, code, day, service_type, elements)
            found: list = []

            def check(r: Response, found=found) -> None:
                with open(tmp, "wb") as fh:
                    fh.write(r.body)
                found[:] = [check_day(tmp, code, day)]

            r = http.get(
                url,
                expect=f"an IAGA-2002 file of {code}'s one-minute values on {day}",
                empty=(204, 404),
                check=check,
            )
            statuses.append(r.status)
            if r.status != 200:
                reasons.append(f"HTTP {r.status} for {service_type}")
                continue
            df = found[0]
            if not df.has_data:
                why = "no records" if not df.records else "every value missing"
                reasons.append(f"no {service_type} data ({why})")
                continue
            if df.letter is not None and df.letter not in TYPE_RULES[type].accepts:
                reasons.append(f"asked for {service_type}, the service served {df.data_type!r} data")
                continue
            letter = df.letter or TYPE_RULES[type].letter
            name = file_name(code, day, letter)
            os.replace(tmp, out / name)
            return name, url, df, len(r.body)
        return "; ".join(reasons)
    finally:
        if tmp.exists():
            tmp.unlink()


def _duplicate_days(out: Path) -> list:
    """Notes on station-days held by files of two data types (a build would merge them)."""
    seen: dict = {}
    for p in out.iterdir():
        m = _FILE.match(p.name)
        if m:
            seen.setdefault((m["code"], m["day"]), []).append(p.name)
    dups = sorted(v for v in seen.values() if len(v) > 1)
    if not dups:
        return []
    return [
        f"{len(dups)} station-day(s) have files of two data types (e.g. {', '.join(sorted(dups[0]))}); "
        "keep one per day (seisem build would merge them), e.g. delete the provisional ones"
    ]
