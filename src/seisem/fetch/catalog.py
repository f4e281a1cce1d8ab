"""``seisem fetch catalog``: an earthquake catalog from an FDSN event service (USGS ComCat, ISC,
EMSC), in time windows the services accept, written as one CSV that ``seisem pairs`` and
``seisem build`` read with no options (the ComCat CSV layout: ``time, latitude, longitude, depth,
mag, magType, id, place, ...``).

Two clients: ObsPy's FDSN client (QuakeML) when ObsPy is installed (the ``obspy`` extra), else the
services' own text formats over ``urllib``: ComCat's CSV (``format=csv``, USGS) or the FDSN text
format (``format=text``, ISC and EMSC).

A long span is cut into windows (``window_days``); a window whose answer reaches the service's
per-query limit (USGS: 20,000 events) or that the service refuses as too large (HTTP 413) is cut
in halves until each half fits. Each finished window is kept in a hidden folder beside the catalog
(``.<name>.parts/``) so that a run that is interrupted, or one over a longer span, fetches only
the windows it has not got (windows that end less than a day ago are always fetched again).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from .. import __version__
from .._errors import FetchError, MissingDependencyError, ParameterError, ReadError, check_choice
from .._files import atomic_path, write_json, write_text
from .._progress import progress_bar
from ..data.build import data_files
from ..io import read_catalog, read_stations, stations_from_iaga2002
from ..io.catalog import DEPTH_RANGE, MAG_RANGE, event_id
from ._http import Http, Response, Truncated, Unexpected
from .terms import TERMS, terms_summary, terms_text

SOURCES = ("usgs", "isc", "emsc")
CLIENTS = ("auto", "obspy", "http")
BASE_URLS = {
    "usgs": "https://earthquake.usgs.gov",
    "isc": "https://www.isc.ac.uk",
    "emsc": "https://www.seismicportal.eu",
}
#: Events one query may return (sent as ``limit``; an answer that reaches it is split). ISC: none
#: sent (its service has no documented cap; windows stay short instead).
LIMITS = {"usgs": 20000, "isc": None, "emsc": 10000}
WINDOW_DAYS = {"usgs": 365.0, "isc": 30.0, "emsc": 180.0}
#: The catalog's columns when the service's own CSV does not give them (ComCat's names).
COLUMNS = ("time", "latitude", "longitude", "depth", "mag", "magType", "id", "place", "author")
KM_PER_DEGREE = 111.19492664455873  # 6371 km sphere
MIN_WINDOW = timedelta(minutes=1)
_TEXT_FIELDS = {
    "eventid": "id",
    "time": "time",
    "latitude": "latitude",
    "longitude": "longitude",
    "depth/km": "depth",
    "magtype": "magType",
    "magnitude": "mag",
    "eventlocationname": "place",
    "author": "author",
}


def parse_time(text, name: str, *, end: bool = False) -> datetime:
    """``YYYY-MM-DD`` (the day's start; for an end, the next day's start: the day included) or
    an ISO 8601 time (UTC unless it says otherwise)."""
    if isinstance(text, datetime):
        t = text
    elif isinstance(text, date):
        t = datetime(text.year, text.month, text.day) + (timedelta(days=1) if end else timedelta(0))
    else:
        s = str(text).strip()
        try:
            if len(s) == 10:
                d = date.fromisoformat(s)
                t = datetime(d.year, d.month, d.day) + (timedelta(days=1) if end else timedelta(0))
            else:
                t = datetime.fromisoformat(s)
        except ValueError:
            raise ParameterError(
                f"{name}={text!r} (--{name}) is not a date or time: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS "
                "(UTC), e.g. 2011-03-01"
            ) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC)


def parse_box(box) -> tuple:
    """``"minlat,maxlat,minlon,maxlon"`` (or a 4-sequence) in degrees."""
    parts = box.split(",") if isinstance(box, str) else list(box)
    try:
        vals = tuple(float(v) for v in parts)
    except (TypeError, ValueError):
        vals = ()
    ok = (
        len(vals) == 4
        and all(math.isfinite(v) for v in vals)
        and -90 <= vals[0] < vals[1] <= 90
        and -180 <= vals[2] < vals[3] <= 180
    )
    if not ok:
        raise ParameterError(
            f"box={box!r} (--box): minlat,maxlat,minlon,maxlon in degrees with minlat < maxlat in [-90, 90] and "
            "minlon < maxlon in [-180, 180], e.g. 24,46,122,150 for Japan (a region across the 180th "
            "meridian: fetch its two sides into two catalogs)"
        )
    return vals


@dataclass(frozen=True)
class Region:
    """One query region: a box, or a circle (``radius_km`` around ``lat, lon``)."""

    label: str
    params: tuple  # FDSN parameters, as (name, value) pairs

    def key(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.params)


def regions_from(box=None, stations=None, radius_km=None) -> list:
    """The query regions: one box, or one circle per station (a DataFrame from
    :func:`seisem.io.read_stations`) of ``radius_km``."""
    if (box is None) == (stations is None):
        raise ParameterError(
            "give the region as a box (--box minlat,maxlat,minlon,maxlon) or as circles around stations "
            "(--stations FILE --radius-km R), one of the two"
        )
    if box is not None:
        if radius_km is not None:
            raise ParameterError("radius_km (--radius-km) goes with --stations, not with --box")
        b = parse_box(box)
        return [
            Region(
                "box " + ",".join(f"{v:g}" for v in b),
                (
                    ("minlatitude", f"{b[0]:g}"),
                    ("maxlatitude", f"{b[1]:g}"),
                    ("minlongitude", f"{b[2]:g}"),
                    ("maxlongitude", f"{b[3]:g}"),
                ),
            )
        ]
    if radius_km is None or not (radius_km > 0 and math.isfinite(radius_km)) or radius_km > 20000:
        raise ParameterError(
            f"radius_km={radius_km!r} (--radius-km): the circle's radius around each station in km, "
            "positive and at most 20000, e.g. 500"
        )
    if len(stations) == 0:
        raise ParameterError("the station list (--stations) has no stations")
    out = []
    for code, lat, lon in zip(
        stations["station_code"],
        stations["station_latitude_deg"],
        stations["station_longitude_deg"],
        strict=True,
    ):
        out.append(
            Region(
                f"{radius_km:g} km around {code}",
                (
                    ("latitude", f"{lat:.4f}"),
                    ("longitude", f"{lon:.4f}"),
                    ("maxradius", f"{radius_km / KM_PER_DEGREE:.4f}"),
                ),
            )
        )
    return out


def windows(t0: datetime, t1: datetime, days: float) -> list:
    """``[t0, t1)`` cut into windows of ``days``."""
    if not days > 0:
        raise ParameterError(f"window_days={days!r} (--window-days) must be positive, e.g. 365")
    step = timedelta(days=days)
    out, a = [], t0
    while a < t1:
        b = min(a + step, t1)
        out.append((a, b))
        a = b
    return out


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def query_params(source, region, t0, t1, min_magnitude, limit, fmt) -> dict:
    params = {"starttime": _iso(t0), "endtime": _iso(t1)}
    params.update(region.params)
    if min_magnitude is not None:
        params["minmagnitude"] = f"{min_magnitude:g}"
    params["orderby"] = "time-asc"
    if source == "usgs":
        params["eventtype"] = "earthquake"
    if limit:
        params["limit"] = str(limit)
    if fmt:
        params["format"] = fmt
    return params


def query_url(base: str, params: dict) -> str:
    return base.rstrip("/") + "/fdsnws/event/1/query?" + urllib.parse.urlencode(params, safe=",:")


def _csv_rows(r: Response):
    """A ComCat CSV body -> (header, rows as dicts). Truncated/Unexpected as the check callbacks say."""
    text = r.body.decode("utf-8", "replace")
    if not text.strip():
        return [], []
    if not text.startswith("time,"):
        raise Unexpected(
            f"the body is not a ComCat CSV (its first line is not 'time,latitude,...': {text[:40]!r})"
        )
    if not text.endswith("\n"):
        raise Truncated("the CSV does not end with a line end")
    rows = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in rows[0]]
    need = {"time", "latitude", "longitude", "mag", "id"}
    if not need <= set(header):
        raise Unexpected(
            f"the CSV header has no {sorted(need - set(header))} column(s) (header: {header[:8]})"
        )
    out = []
    for i, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise Unexpected(f"CSV line {i} has {len(row)} fields, the header {len(header)}")
        out.append(dict(zip(header, row, strict=True)))
    return header, out


def _text_rows(r: Response):
    """An FDSN text body (``#EventID|Time|Latitude|...``) -> rows in the catalog's columns."""
    text = r.body.decode("utf-8", "replace")
    if not text.strip():
        return []
    head = text.lstrip().split("\n", 1)[0]
    if not head.startswith("#") or "|" not in head:
        raise Unexpected("the body is not the FDSN text format (its first line is not '#EventID|Time|...')")
    if not text.endswith("\n"):
        raise Truncated("the text does not end with a line end")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    names = [h.strip().lstrip("#").strip().lower() for h in head.split("|")]
    if not {"eventid", "time", "latitude", "longitude", "magnitude"} <= set(names):
        raise Unexpected(
            f"the FDSN text header lacks EventID/Time/Latitude/Longitude/Magnitude: {head[:120]!r}"
        )
    out = []
    for i, ln in enumerate(lines[1:], start=2):
        if ln.startswith("#"):
            continue
        fields = [f.strip() for f in ln.split("|")]
        if len(fields) != len(names):
            raise Unexpected(f"text line {i} has {len(fields)} fields, the header {len(names)}")
        row = {}
        for name, value in zip(names, fields, strict=True):
            col = _TEXT_FIELDS.get(name)
            if col:
                row[col] = value
        row["time"] = _utc_text(row.get("time", ""))
        out.append(row)
    return out


def _utc_text(t: str) -> str:
    """An ISO time written with its zone: 'Z' added to a time written without one (FDSN times are UTC)."""
    t = t.strip()
    if not t or t.endswith("Z") or "+" in t[10:] or t[10:].count("-") > 0:
        return t
    return t + "Z"


def _obspy_rows(catalog) -> list:
    rows = []
    for ev in catalog:
        org = ev.preferred_origin() or (ev.origins[0] if ev.origins else None)
        mag = ev.preferred_magnitude() or (ev.magnitudes[0] if ev.magnitudes else None)
        author = ""
        if org is not None and org.creation_info is not None:
            author = org.creation_info.agency_id or ""
        rows.append(
            {
                "time": str(org.time) if org is not None and org.time is not None else "",
                "latitude": "" if org is None or org.latitude is None else repr(float(org.latitude)),
                "longitude": "" if org is None or org.longitude is None else repr(float(org.longitude)),
                "depth": "" if org is None or org.depth is None else f"{org.depth / 1000.0:g}",
                "mag": "" if mag is None or mag.mag is None else repr(float(mag.mag)),
                "magType": "" if mag is None else (mag.magnitude_type or ""),
                "id": event_id(ev.resource_id),
                "place": ev.event_descriptions[0].text if ev.event_descriptions else "",
                "author": author,
            }
        )
    return rows


class _TooMany(Exception):
    """A window holds more events than one query may return: split it."""


@dataclass
class CatalogSummary:
    """What a run of :func:`fetch_catalog` did.

    Events written, windows fetched, kept from an earlier run or split, events left out (with
    the reason), requests; ``.text()`` is the summary the command line prints, with the source's
    terms of use.

    Parameters
    ----------
    out : str
        The catalog file written.
    source : {"usgs", "isc", "emsc"}
        The FDSN event service asked.
    client : {"obspy", "http"}
        The client used: ObsPy's FDSN client (QuakeML) or urllib with the service's CSV or
        FDSN text format.
    events : int, default 0
        Events in the catalog written (after duplicates and unusable rows are left out).
    windows : int, default 0
        Query windows of the run, over all regions (before any split).
    reused : int, default 0
        Windows kept from an earlier run (the hidden ``.<name>.parts/`` store), not fetched.
    split : int, default 0
        Times a window was cut in halves because its answer reached the per-query limit or
        the service refused it as too large.
    empty : int, default 0
        Windows fetched that held no event.
    dropped : dict, default {}
        Events left out, by reason (no readable origin time, no usable location, no
        magnitude, magnitude or depth out of range) -> count.
    requests : int, default 0
        HTTP requests made by this run.
    notes : list of str, default []
        Remarks printed with the summary.
    """

    out: str
    source: str
    client: str
    events: int = 0
    windows: int = 0
    reused: int = 0
    split: int = 0
    empty: int = 0
    dropped: dict = field(default_factory=dict)  # reason -> count
    requests: int = 0
    notes: list = field(default_factory=list)

    def text(self) -> str:
        lines = [
            f"{self.out}: {self.events} events from {self.source} ({self.client} client); {self.windows} "
            f"windows: {self.windows - self.reused} fetched ({self.split} split to fit the service's limit, "
            f"{self.empty} empty), {self.reused} kept from an earlier run; {self.requests} requests"
        ]
        for why, n in sorted(self.dropped.items()):
            lines.append(f"  left out {n} event(s): {why}")
        lines += [f"  note: {n}" for n in self.notes]
        lines.append(terms_summary(self.source))
        lines.append(f"(the terms and citation are in {self.out}.TERMS.txt)")
        return "\n".join(lines)


def _pick_client(client: str):
    check_choice("client", client, CLIENTS)
    if client == "http":
        return None
    try:
        from obspy.clients.fdsn import Client  # optional dependency
    except ImportError:
        if client == "obspy":
            raise MissingDependencyError(
                "client='obspy' (--client obspy) needs ObsPy; install it with `pip install 'seisem[obspy]'` "
                "or use --client http"
            ) from None
        return None
    return Client


_OBSPY_STATUS = {
    "FDSNBadRequestException": 400,
    "FDSNUnauthorizedException": 401,
    "FDSNForbiddenException": 403,
    "FDSNNoServiceException": 404,
    "FDSNRequestTooLargeException": 413,
    "FDSNTooManyRequestsException": 429,
    "FDSNInternalServerException": 500,
    "FDSNBadGatewayException": 502,
    "FDSNServiceUnavailableException": 503,
    "FDSNTimeoutException": None,
}


def _obspy_query(client, http: Http, url: str, params: dict) -> list:
    """One query through ObsPy's client, with seisem's rate limit and retries."""
    from obspy import UTCDateTime  # optional dependency
    from obspy.clients.fdsn.header import FDSNException, FDSNNoDataException

    kwargs = dict(params)
    kwargs["starttime"] = UTCDateTime(kwargs["starttime"])
    kwargs["endtime"] = UTCDateTime(kwargs["endtime"])
    for k in (
        "minlatitude",
        "maxlatitude",
        "minlongitude",
        "maxlongitude",
        "latitude",
        "longitude",
        "maxradius",
        "minmagnitude",
    ):
        if k in kwargs:
            kwargs[k] = float(kwargs[k])
    if "limit" in kwargs:
        kwargs["limit"] = int(kwargs["limit"])
    problem = None
    for attempt in range(http.retries + 1):
        if attempt:
            http.pause(attempt, None, url, problem)
        http.throttle()
        try:
            return _obspy_rows(client.get_events(**kwargs))
        except FDSNNoDataException:
            return []
        except FDSNException as exc:
            name = type(exc).__name__
            status = _OBSPY_STATUS.get(name, None)
            said = " ".join(str(exc).split())[:300]
            if name in (
                "FDSNTooManyRequestsException",
                "FDSNServiceUnavailableException",
                "FDSNTimeoutException",
                "FDSNInternalServerException",
                "FDSNBadGatewayException",
            ):
                problem = f"HTTP {status}" if status else "timed out"
                continue
            if status == 413:
                raise _TooMany() from None
            raise FetchError(
                f"{url}: {('HTTP ' + str(status)) if status else name} through ObsPy's FDSN client; expected "
                f"HTTP 200 with QuakeML events (or 204: none). ObsPy said: {said}",
                url=url,
                status=status,
            ) from None
        except Exception as exc:  # a body ObsPy cannot parse as QuakeML
            raise FetchError(
                f"{url}: HTTP 200 but ObsPy could not read the answer as QuakeML ({type(exc).__name__}: "
                f"{' '.join(str(exc).split())[:200]}); expected QuakeML events",
                url=url,
                status=200,
            ) from None
    raise FetchError(
        f"{url}: {problem} after {http.retries + 1} tries; expected HTTP 200 with QuakeML events. Run the "
        "command again later to resume (finished windows are kept)",
        url=url,
        status=None if problem == "timed out" else int(problem.split()[1]),
    )


def _http_query(http: Http, url: str, source: str):
    """One query over urllib: (header or None, rows)."""
    parsed: list = []

    def check(r: Response) -> None:
        parsed[:] = [_csv_rows(r) if source == "usgs" else (None, _text_rows(r))]

    expect = "ComCat CSV events" if source == "usgs" else "FDSN text-format events ('#EventID|Time|...')"
    try:
        r = http.get(url, expect=expect + " (or 204: none)", empty=(204,), check=check)
    except FetchError as exc:
        if exc.status == 413:
            raise _TooMany() from None
        raise
    if r.status == 204:
        return None, []
    return parsed[0]


def _fingerprint(source, base, client, region, min_magnitude, limit) -> str:
    text = json.dumps([source, base, client, region.key(), min_magnitude, limit])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def fetch_catalog(
    out,
    start,
    end,
    *,
    source: str = "usgs",
    min_magnitude: float | None = None,
    box=None,
    stations=None,
    radius_km: float | None = None,
    base_url: str | None = None,
    client: str = "auto",
    window_days: float | None = None,
    limit: int | None = None,
    http: Http | None = None,
    progress: bool = True,
    now: datetime | None = None,
) -> CatalogSummary:
    """Fetch an earthquake catalog into the CSV file ``out`` (see the module's docstring).

    Parameters
    ----------
    out : path-like
        The catalog file (ComCat CSV layout). Beside it: ``<out>.TERMS.txt``,
        ``<out>.SOURCE.json`` and the hidden window store ``.<name>.parts/``.
    start, end : str, date or datetime
        The span: ``YYYY-MM-DD`` (an end date is included: the span runs to its end) or ISO
        times in UTC.
    source : {"usgs", "isc", "emsc"}
        USGS ComCat, the ISC Bulletin or the EMSC catalog (their FDSN event services).
    min_magnitude : float, optional
        Smallest magnitude asked for.
    box : str or 4 numbers, optional
        ``minlat,maxlat,minlon,maxlon`` in degrees.
    stations : DataFrame, optional
        A station list (:func:`seisem.io.read_stations`); with ``radius_km``, one circle around
        each station (events within ``radius_km`` of any of them).
    radius_km : float, optional
        The circles' radius with ``stations``.
    base_url : str, optional
        Another FDSN server (``<base>/fdsnws/event/1/query``): a mirror or a test server.
    client : {"auto", "obspy", "http"}
        ObsPy's FDSN client (auto: when ObsPy is installed) or urllib with the CSV/text format.
    window_days, limit : optional
        Query window and per-query event limit (defaults per source: :data:`WINDOW_DAYS`,
        :data:`LIMITS`).
    http : Http, optional
        Rate limit, retries, backoff and timeout (default ``Http()``).
    progress : bool
        A progress bar over the windows.
    now : datetime, optional
        The current time (tests): windows ending less than a day before it are not stored.

    Returns
    -------
    CatalogSummary
        ``.text()`` is the summary printed by the command line, with the terms of use.
    """
    check_choice("source", source, SOURCES)
    t0, t1 = parse_time(start, "start"), parse_time(end, "end", end=True)
    if t0 >= t1:
        raise ParameterError(
            f"start={_iso(t0)} (--start) is not before end={_iso(t1)} (--end); swap them (an --end date is "
            "included)"
        )
    if min_magnitude is not None and not (MAG_RANGE[0] <= min_magnitude <= MAG_RANGE[1]):
        raise ParameterError(
            f"min_magnitude={min_magnitude!r} (--min-magnitude) is outside [{MAG_RANGE[0]}, {MAG_RANGE[1]}]"
        )
    regions = regions_from(box, stations, radius_km)
    base = (base_url or BASE_URLS[source]).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ParameterError(f"base_url={base!r} (--base-url) must start with http:// or https://")
    limit = LIMITS[source] if limit is None else limit
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ParameterError(
            f"limit={limit!r} (--limit): events per query, a positive whole number, e.g. 20000"
        )
    wins = windows(t0, t1, WINDOW_DAYS[source] if window_days is None else window_days)
    Client = _pick_client(client)
    kind = "obspy" if Client is not None else "http"
    http = http or Http()
    out = Path(out)
    if out.is_dir():
        raise ParameterError(
            f"out={str(out)!r} (--out) is a folder; give the catalog file, e.g. {out}/catalog.csv"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = out.parent / f".{out.name}.parts"
    parts.mkdir(exist_ok=True)
    now = now or datetime.now(UTC)
    fdsn = (
        Client(base_url=base, _discover_services=False, timeout=http.timeout_s)
        if Client is not None
        else None
    )
    fmt = None if kind == "obspy" else ("csv" if source == "usgs" else "text")
    summary = CatalogSummary(str(out), source, kind)
    requests_before = http.requests
    header = None
    rows_by_id: dict = {}
    bar = progress_bar(len(regions) * len(wins), f"fetch {source} catalog", "window", enable=progress)
    try:
        for region in regions:
            fp = _fingerprint(source, base, kind, region, min_magnitude, limit)
            for a, b in wins:
                bar.update(1)
                summary.windows += 1
                part = parts / f"{fp}_{a:%Y%m%dT%H%M%S}_{b:%Y%m%dT%H%M%S}.json"
                if part.is_file():
                    stored = json.loads(part.read_text(encoding="utf-8"))
                    summary.reused += 1
                    got_header, rows = stored["header"], stored["rows"]
                else:
                    got_header, rows, n_split = _window(
                        fdsn, http, base, source, region, a, b, min_magnitude, limit, fmt
                    )
                    summary.split += n_split
                    summary.empty += not rows
                    if b <= now - timedelta(days=1):  # a finished window: keep it for later runs
                        write_text(part, json.dumps({"header": got_header, "rows": rows}))
                if got_header and header is None:
                    header = got_header
                for row in rows:
                    rows_by_id.setdefault(row.get("id") or f"{row.get('time')}_{row.get('latitude')}", row)
    finally:
        bar.close()
        summary.requests = http.requests - requests_before
    columns = list(header) if header else list(COLUMNS)
    kept = _usable(rows_by_id.values(), summary)
    kept.sort(key=lambda r: (_when(r["time"]), r.get("id", "")))
    summary.events = len(kept)
    with atomic_path(out) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(columns)
            for row in kept:
                w.writerow([row.get(c, "") for c in columns])
        try:  # what seisem pairs/build will do with it, with no options
            read_catalog(tmp, errors="raise")
        except ReadError as exc:
            raise FetchError(f"the catalog written from {base} does not read back: {exc}") from exc
    info = {
        "written_by": "seisem fetch catalog",
        "seisem_version": __version__,
        "written_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source,
        "service": base + "/fdsnws/event/1/query",
        "client": kind,
        "start": _iso(t0),
        "end": _iso(t1),
        "min_magnitude": min_magnitude,
        "regions": [r.label for r in regions],
        "window_days": WINDOW_DAYS[source] if window_days is None else window_days,
        "limit": limit,
        "events": summary.events,
        "dropped": summary.dropped,
        "example_query": query_url(
            base, query_params(source, regions[0], *wins[0], min_magnitude, limit, fmt)
        ),
        "licence": TERMS[source]["licence"],
        "terms_url": TERMS[source]["terms_url"],
        "citation": TERMS[source]["citation"],
    }
    write_json(f"{out}.SOURCE.json", info)
    write_text(f"{out}.TERMS.txt", terms_text(source))
    return summary


def _window(fdsn, http, base, source, region, a, b, min_magnitude, limit, fmt):
    """The events of one window (split while it is too large): (header, rows, number of splits)."""
    params = query_params(source, region, a, b, min_magnitude, limit, fmt)
    url = query_url(base, params)
    try:
        if fdsn is not None:
            header, rows = (
                None,
                _obspy_query(fdsn, http, url, {k: v for k, v in params.items() if k != "format"}),
            )
        else:
            header, rows = _http_query(http, url, source)
        if limit is not None and len(rows) >= limit:
            raise _TooMany()
    except _TooMany:
        if b - a <= MIN_WINDOW:
            raise FetchError(
                f"{url}: more than {limit} events in {b - a}; the service cannot return them in one query. "
                "Raise --min-magnitude or make the region smaller"
            ) from None
        mid = a + (b - a) / 2
        mid = mid.replace(microsecond=0)
        h1, r1, s1 = _window(fdsn, http, base, source, region, a, mid, min_magnitude, limit, fmt)
        h2, r2, s2 = _window(fdsn, http, base, source, region, mid, b, min_magnitude, limit, fmt)
        return h1 or h2, r1 + r2, 1 + s1 + s2
    return header, rows, 0


def _when(text: str) -> datetime:
    t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _number(text) -> float:
    try:
        return float(str(text).strip())
    except ValueError:
        return math.nan


def _usable(rows, summary: CatalogSummary) -> list:
    """The rows seisem's catalog reader accepts; the others counted by reason in ``summary.dropped``."""
    kept = []

    def drop(why):
        summary.dropped[why] = summary.dropped.get(why, 0) + 1

    for row in rows:
        try:
            _when(row.get("time", ""))
        except ValueError:
            drop("no readable origin time")
            continue
        lat, lon, mag = (
            _number(row.get("latitude", "")),
            _number(row.get("longitude", "")),
            _number(row.get("mag", "")),
        )
        depth_text = str(row.get("depth", "")).strip()
        depth = _number(depth_text) if depth_text else 0.0
        if not (abs(lat) <= 90 and -180 <= lon < 360):
            drop("no usable location")
        elif not math.isfinite(mag):
            drop("no magnitude")
        elif not MAG_RANGE[0] <= mag <= MAG_RANGE[1]:
            drop(f"magnitude outside [{MAG_RANGE[0]}, {MAG_RANGE[1]}]")
        elif not (math.isfinite(depth) and DEPTH_RANGE[0] <= depth <= DEPTH_RANGE[1]):
            drop(f"depth outside [{DEPTH_RANGE[0]}, {DEPTH_RANGE[1]}] km")
        else:
            kept.append(row)
    return kept


def stations_for_catalog(path):
    """A station list for ``--stations``, from a station list file or a folder of IAGA-2002 files.

    A folder's coordinates come from the files' headers, as ``seisem build`` takes them.

    Parameters
    ----------
    path : str or path-like
        A station list file (any layout :func:`seisem.io.read_stations` detects), or a folder
        whose files are all IAGA-2002 (:func:`seisem.io.stations_from_iaga2002`).

    Returns
    -------
    pandas.DataFrame
        The station list (``station_code``, ``station_latitude_deg``,
        ``station_longitude_deg``, ...), as :func:`fetch_catalog` takes it for ``stations``.

    Raises
    ------
    ReadError
        The file cannot be read as a station list, or the folder holds no files or a file
        that is not IAGA-2002.
    """
    if os.path.isdir(path):
        return stations_from_iaga2002(data_files(path))
    return read_stations(path)
