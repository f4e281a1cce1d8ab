"""seisem fetch: observatory day files and catalogs from a local server that speaks the services'
protocols (INTERMAGNET GIN, the USGS geomagnetism service, FDSN event services). No test touches
the network: the server runs in a thread on 127.0.0.1 and writes its answers in the services'
documented formats (IAGA-2002 day files, ComCat CSV, FDSN text, QuakeML), with failures on demand
(HTTP 429/503, truncated bodies, 204, a server that dies or stalls).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from seisem.cli import main
from seisem.fetch import FetchError, Http, fetch_catalog, fetch_observatory, stations_for_catalog
from seisem.fetch._http import retry_after_s
from seisem.fetch.catalog import parse_box, regions_from
from seisem.fetch.observatory import check_day, complete_on_disk, day_range, parse_elements, parse_stations
from seisem.io import read_catalog, read_iaga2002, read_quakeml
from seisem.io.catalog import event_id

ROOT = Path(__file__).resolve().parents[2]
STATIONS = {  # IAGA code -> (name, latitude, east longitude, elevation)
    "KAK": ("Kakioka", 36.232, 140.186, 36),
    "MMB": ("Memambetsu", 43.910, 144.189, 42),
    "BOU": ("Boulder", 40.137, 254.764, 1682),
}
DATA_TYPES = {
    "definitive": "Definitive",
    "quasi-def": "Quasi-definitive",
    "adj-or-rep": "Provisional",
    "best-avail": "Definitive",
    "quasi-definitive": "Quasi-definitive",
    "adjusted": "Adjusted",
}


# ------------------------------------------------------------------ the services' formats


def _hline(key: str, value: str) -> str:
    return f" {key:<23}{value:<44}|"


def iaga_day(
    code: str, day: date, data_type: str, *, missing: bool = False, station: str | None = None
) -> bytes:
    """One day of one-minute IAGA-2002 data (70-character records, as the services serve them)."""
    name, lat, lon, elev = STATIONS[code]
    code = station or code
    head = [
        _hline("Format", "IAGA-2002"),
        _hline("Source of Data", "Test observatory service"),
        _hline("Station Name", name),
        _hline("IAGA Code", code),
        _hline("Geodetic Latitude", f"{lat:.3f}"),
        _hline("Geodetic Longitude", f"{lon:.3f}"),
        _hline("Elevation", str(elev)),
        _hline("Reported", "HDZF"),
        _hline("Sensor Orientation", "HDZF"),
        _hline("Digital Sampling", "0.125 second"),
        _hline("Data Interval Type", "1-minute (00:15-01:45)"),
        _hline("Data Type", data_type),
        " # written by seisem's test server                                   |",
        f"DATE       TIME         DOY     {code}H      {code}D      {code}Z      {code}F   |",
    ]
    seed = int.from_bytes(f"{code}{day}".encode(), "little") % (2**32)
    rng = np.random.default_rng(seed)
    t = np.arange(1440)
    h = 30000 + 20 * np.sin(2 * np.pi * t / 1440) + np.cumsum(rng.normal(0, 0.3, 1440))
    d = -400 + rng.normal(0, 0.2, 1440)
    z = 35000 + np.cumsum(rng.normal(0, 0.2, 1440))
    f = np.sqrt(h**2 + z**2)
    doy = day.timetuple().tm_yday
    rows = []
    for k in range(1440):
        vals = (99999.0,) * 4 if missing else (h[k], d[k], z[k], f[k])
        stamp = f"{day:%Y-%m-%d} {k // 60:02d}:{k % 60:02d}:00.000 {doy:03d}   "
        rows.append(stamp + "".join(f"{v:10.2f}" for v in vals))
    return ("\n".join(head + rows) + "\n").encode("ascii")


COMCAT_HEADER = (
    "time,latitude,longitude,depth,mag,magType,nst,gap,dmin,rms,net,id,updated,place,type,"
    "horizontalError,depthError,magError,magNst,status,locationSource,magSource"
)


def comcat_csv(events) -> bytes:
    lines = [COMCAT_HEADER]
    for e in events:
        lines.append(
            f"{e['time']},{e['lat']},{e['lon']},{e['depth']},{e['mag']},mww,,,,,us,{e['id']},"
            f'2020-01-01T00:00:00.000Z,"{e["place"]}",earthquake,,,,,reviewed,us,us'
        )
    return ("\n".join(lines) + "\n").encode()


def fdsn_text(events) -> bytes:
    lines = [
        "#EventID|Time|Latitude|Longitude|Depth/km|Author|Catalog|Contributor|ContributorID|MagType|"
        "Magnitude|MagAuthor|EventLocationName"
    ]
    for e in events:
        t = e["time"].rstrip("Z")  # FDSN text times carry no zone (they are UTC)
        mag = "" if e["mag"] is None else e["mag"]
        lines.append(
            f"{e['id']}|{t}|{e['lat']}|{e['lon']}|{e['depth']}|ISC|ISC|ISC|1|mb|{mag}|ISC|{e['place']}"
        )
    return ("\n".join(lines) + "\n").encode()


def quakeml(events) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<q:quakeml xmlns="http://quakeml.org/xmlns/bed/1.2" xmlns:q="http://quakeml.org/xmlns/quakeml/1.2">',
        '<eventParameters publicID="quakeml:test/query">',
    ]
    for e in events:
        rid = f"quakeml:earthquake.usgs.gov/fdsnws/event/1/query?eventid={e['id']}&amp;format=quakeml"
        parts.append(
            f'<event publicID="{rid}"><description><text>{e["place"]}</text><type>earthquake name</type>'
            f"</description>"
            f'<origin publicID="quakeml:test/origin/{e["id"]}"><time><value>{e["time"]}</value></time>'
            f"<latitude><value>{e['lat']}</value></latitude><longitude><value>{e['lon']}</value></longitude>"
            f"<depth><value>{float(e['depth']) * 1000}</value></depth></origin>"
            f'<magnitude publicID="quakeml:test/mag/{e["id"]}"><mag><value>{e["mag"]}</value></mag>'
            f"<type>mww</type></magnitude>"
            f"<preferredOriginID>quakeml:test/origin/{e['id']}</preferredOriginID>"
            f"<preferredMagnitudeID>quakeml:test/mag/{e['id']}</preferredMagnitudeID></event>"
        )
    parts += ["</eventParameters>", "</q:quakeml>"]
    return "\n".join(parts).encode()


def _ev(i, when, lat, lon, mag, depth=10.0, place="test region"):
    return {
        "id": f"us{i:04d}",
        "time": when,
        "lat": lat,
        "lon": lon,
        "depth": depth,
        "mag": mag,
        "place": place,
    }


def _deg(lat1, lon1, lat2, lon2):
    p1, p2, dl = map(math.radians, (lat1, lat2, lon2 - lon1))
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def _t(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=UTC)


# ------------------------------------------------------------------ the local server


class Service:
    """The fake services' state: what data exist, the requests seen, and failures to inject
    (``plan[key]``: a list of actions used one per request; key = (CODE, 'YYYY-MM-DD') or 'catalog')."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.requests = []
        self.plan = {}
        self.events = []
        self.usgs_types = None  # (code, day) -> the USGS types holding data; None: all
        self.dead = False
        self.stall_after = None
        self.served = 0
        self.release = threading.Event()

    def take(self, key):
        actions = self.plan.get(key)
        return actions.pop(0) if actions else None


class Handler(BaseHTTPRequestHandler):
    service: Service = None

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", ctype="text/plain", headers=None, cut=None, length=True):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body if cut is None else body[:cut])
        self.wfile.flush()

    def do_GET(self):
        svc = self.service
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        svc.requests.append((url.path, q))
        if svc.dead:  # a server that dies: the connection closes without an answer
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if svc.stall_after is not None and svc.served >= svc.stall_after:
            svc.release.wait(30)  # hangs until the test ends (the client is killed meanwhile)
            return
        if url.path.endswith("/GINServices"):
            key = (q.get("observatoryIagaCode"), q.get("dataStartDate"))
            body = lambda: iaga_day(key[0], date.fromisoformat(key[1]), DATA_TYPES[q["publicationState"]])  # noqa: E731
        elif url.path.endswith("/ws/data/"):
            key = (q.get("id"), q.get("starttime", "")[:10])
            day = date.fromisoformat(key[1])
            has = svc.usgs_types is None or q["type"] in svc.usgs_types.get(key, ())
            body = lambda: iaga_day(key[0], day, DATA_TYPES[q["type"]], missing=not has)  # noqa: E731
        elif url.path.endswith("/fdsnws/event/1/query"):
            key = "catalog"
            body = lambda: self._catalog(q)  # noqa: E731
        else:
            return self._send(404, b"not found")
        action = svc.take(key)
        if action is None or action == "swap-station":
            data = (
                body()
                if action is None
                else iaga_day(key[0], date.fromisoformat(key[1]), "Definitive", station="MMB")
            )
            if data is None:
                return self._send(204)
            svc.served += 1
            return self._send(200, data)
        kind, _, arg = action.partition(":")
        if kind in ("429", "503"):
            return self._send(int(kind), b"slow down", headers={"Retry-After": arg} if arg else None)
        if kind == "400":
            return self._send(400, b"Error 400: Bad Request\n\nbad parameter: " + arg.encode())
        if kind == "413":
            return self._send(413, b"Error 413: request too large")
        if kind == "html":
            return self._send(
                200, b"<html><body>Service temporarily replaced by a page</body></html>", "text/html"
            )
        if kind == "204":
            return self._send(204)
        if kind == "404":
            return self._send(404, b"no data")
        if kind == "truncate":  # Content-Length says more than comes: the client sees IncompleteRead
            data = body()
            return self._send(200, data, cut=len(data) // 2)
        if kind == "cut":  # no Content-Length, the connection closes after whole lines of the first hours
            data = body()
            return self._send(200, data[: data.index(b"\n", len(data) // 3) + 1], length=False)
        raise AssertionError(action)

    def _catalog(self, q):
        fmt = q.get("format", "xml")
        t0, t1 = _t(q["starttime"] + "Z"), _t(q["endtime"] + "Z")
        out = []
        for e in self.service.events:
            t = _t(e["time"])
            if not t0 <= t <= t1:
                continue
            if "minmagnitude" in q and (e["mag"] is None or e["mag"] < float(q["minmagnitude"])):
                continue
            if "minlatitude" in q and not (
                float(q["minlatitude"]) <= e["lat"] <= float(q["maxlatitude"])
                and float(q["minlongitude"]) <= e["lon"] <= float(q["maxlongitude"])
            ):
                continue
            if "latitude" in q and _deg(
                float(q["latitude"]), float(q["longitude"]), e["lat"], e["lon"]
            ) > float(q["maxradius"]):
                continue
            out.append(e)
        out.sort(key=lambda e: e["time"])
        if "limit" in q:
            out = out[: int(q["limit"])]
        if not out:
            return None
        return {"csv": comcat_csv, "text": fdsn_text, "xml": quakeml}[fmt](out)


@pytest.fixture(scope="module")
def server():
    svc = Service()
    handler = type("H", (Handler,), {"service": svc})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield svc, f"http://127.0.0.1:{httpd.server_address[1]}"
    svc.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def svc(server):
    s, base = server
    s.release.set()
    s.reset()
    s.base = base
    return s


class Sleeps(list):
    """A sleep that only records (tests never wait for a backoff)."""

    def __call__(self, seconds):
        self.append(seconds)


def fast_http(**kw):
    kw.setdefault("rate", None)
    kw.setdefault("retries", 3)
    kw.setdefault("backoff_s", 0.5)
    kw.setdefault("timeout_s", 5.0)
    kw.setdefault("sleep", Sleeps())
    return Http(**kw)


def gin(svc):
    return svc.base + "/GIN_V1/GINServices"


def usgs(svc):
    return svc.base + "/ws/data/"


# ------------------------------------------------------------------ observatory


def test_intermagnet_days_written_then_skipped(svc, tmp_path):
    out = tmp_path / "iaga"
    s = fetch_observatory(
        out, ["KAK", "mmb"], "2015-06-01", "2015-06-03", base_url=gin(svc), http=fast_http(), progress=False
    )
    names = sorted(p.name for p in out.iterdir() if p.is_file())
    assert names == [f"{c}2015060{d}dmin.min" for c in ("kak", "mmb") for d in (1, 2, 3)]
    assert len(s.fetched) == 6 and not s.skipped and not s.missing and not s.failed and s.requests == 6
    path, q = svc.requests[0]
    assert path == "/GIN_V1/GINServices"
    assert q == {
        "Request": "GetData",
        "format": "IAGA2002",
        "testObsys": "0",
        "observatoryIagaCode": "KAK",
        "samplesPerDay": "minute",
        "orientation": "HDZF",
        "publicationState": "definitive",
        "recordTermination": "UNIX",
        "dataStartDate": "2015-06-01",
        "dataDuration": "1",
    }
    # the bytes served, unchanged, and readable by seisem
    assert (out / "kak20150602dmin.min").read_bytes() == iaga_day("KAK", date(2015, 6, 2), "Definitive")
    r = read_iaga2002(out / "kak20150602dmin.min")
    assert r.times.size == 1440 and r.header["station_code"] == "KAK" and r.interval_s == 60
    # the terms and the provenance beside the files (in a folder: a build's --data OUT sees files only)
    terms = (out / "about" / "TERMS.txt").read_text()
    assert "CC BY-NC 4.0" in terms and "INTERMAGNET" in terms
    info = json.loads((out / "about" / "SOURCE.json").read_text())
    rec = info["files"]["kak20150602dmin.min"]
    assert (
        rec["url"].startswith(gin(svc))
        and "dataStartDate=2015-06-02" in rec["url"]
        and len(rec["sha256"]) == 64
    )
    assert info["runs"][0]["fetched"] == 6 and info["sources"]["intermagnet"]["service"] == gin(svc)
    text = s.text()
    assert "6 fetched, 0 skipped" in text and "CC BY-NC 4.0" in text
    # a second run: everything on disk is complete, nothing is asked for
    svc.requests.clear()
    s2 = fetch_observatory(
        out, "KAK,MMB", "2015-06-01", "2015-06-03", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert not s2.fetched and len(s2.skipped) == 6 and svc.requests == []
    assert len(json.loads((out / "about" / "SOURCE.json").read_text())["runs"]) == 2


def test_usgs_requests_and_best_available(svc, tmp_path):
    d1, d2, d3 = date(2014, 11, 1), date(2014, 11, 2), date(2014, 11, 3)
    svc.usgs_types = {("BOU", str(d1)): {"definitive"}, ("BOU", str(d2)): {"adjusted"}}
    s = fetch_observatory(
        tmp_path,
        "BOU",
        d1,
        d3,
        source="usgs",
        type="best-available",
        base_url=usgs(svc),
        http=fast_http(),
        progress=False,
    )
    assert sorted(s.fetched) == ["bou20141101dmin.min", "bou20141102pmin.min"]
    assert s.missing == [
        (
            "BOU 2014-11-03",
            "no definitive data (every value missing); no quasi-definitive data "
            "(every value missing); no adjusted data (every value missing)",
        )
    ]
    tried = [(q["starttime"][:10], q["type"]) for _, q in svc.requests]
    assert tried == [
        ("2014-11-01", "definitive"),
        ("2014-11-02", "definitive"),
        ("2014-11-02", "quasi-definitive"),
        ("2014-11-02", "adjusted"),
        ("2014-11-03", "definitive"),
        ("2014-11-03", "quasi-definitive"),
        ("2014-11-03", "adjusted"),
    ]
    _, q = svc.requests[0]
    assert q == {
        "id": "BOU",
        "starttime": "2014-11-01T00:00:00Z",
        "endtime": "2014-11-01T23:59:00Z",
        "elements": "H,D,Z,F",
        "sampling_period": "60",
        "type": "definitive",
        "format": "iaga2002",
    }
    assert "USGS Geomagnetism Program" in (tmp_path / "about" / "TERMS.txt").read_text()
    # a fixed type: a day without data is missing, not written
    svc.requests.clear()
    s = fetch_observatory(
        tmp_path / "d", "BOU", d2, d2, source="usgs", base_url=usgs(svc), http=fast_http(), progress=False
    )
    assert not s.fetched and s.missing == [("BOU 2014-11-02", "no definitive data (every value missing)")]
    assert not [p for p in (tmp_path / "d").iterdir() if p.is_file()]


def test_retry_on_429_then_503_honours_retry_after(svc, tmp_path):
    svc.plan[("KAK", "2015-06-02")] = ["429:7", "503"]
    http = fast_http()
    s = fetch_observatory(
        tmp_path, "KAK", "2015-06-01", "2015-06-03", base_url=gin(svc), http=http, progress=False
    )
    assert len(s.fetched) == 3 and not s.failed and s.requests == 5
    waits = [(w, why) for url, w, why in http.waits]
    assert waits == [(7.0, "HTTP 429"), (1.0, "HTTP 503")]  # the server's Retry-After; then backoff 0.5 * 2
    assert http.sleep == [7.0, 1.0]
    # the wait is capped, and a Retry-After date is understood
    http = fast_http(max_wait_s=3.0)
    svc.plan[("KAK", "2015-06-04")] = ["429:600"]
    fetch_observatory(
        tmp_path, "KAK", "2015-06-04", "2015-06-04", base_url=gin(svc), http=http, progress=False
    )
    assert http.sleep == [3.0]
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_s("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30.0
    assert (
        retry_after_s("12", now) == 12.0
        and retry_after_s("soon", now) is None
        and retry_after_s(None) is None
    )


def test_rate_limit_spaces_requests():
    clock = [0.0]
    sleeps = Sleeps()

    def sleep(s):
        sleeps.append(s)
        clock[0] += s

    http = Http(rate=2.0, sleep=sleep, clock=lambda: clock[0])
    for _ in range(3):
        http.throttle()
    assert sleeps == [0.5, 0.5] and http.requests == 3
    http = Http(rate=None, sleep=sleep, clock=lambda: clock[0])
    sleeps.clear()
    http.throttle()
    http.throttle()
    assert sleeps == []


@pytest.mark.parametrize("how", ["truncate", "cut"])
def test_truncated_body_is_retried_and_never_kept(svc, tmp_path, how):
    key = ("KAK", "2015-06-02")
    svc.plan[key] = [how]
    s = fetch_observatory(
        tmp_path, "KAK", "2015-06-02", "2015-06-02", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert s.fetched == ["kak20150602dmin.min"] and s.requests == 2
    assert complete_on_disk(tmp_path / "kak20150602dmin.min")
    # always truncated: reported as failed with the URL, and nothing under the file's name
    out = tmp_path / "again"
    svc.plan[key] = [how] * 4
    s = fetch_observatory(
        out, "KAK", "2015-06-02", "2015-06-02", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert not s.fetched and len(s.failed) == 1
    label, message = s.failed[0]
    assert label == "KAK 2015-06-02" and "after 4 tries" in message and "dataStartDate=2015-06-02" in message
    assert ("cut short" in message) if how == "truncate" else ("stops after" in message)
    assert sorted(p.name for p in out.iterdir()) == ["about"]  # no file, no temporary left
    assert "failed KAK 2015-06-02" in s.text()


def test_errors_name_the_url_status_and_expectation(svc, tmp_path, capsys):
    key = ("KAK", "2015-06-01")
    svc.plan[key] = ["400:observatoryIagaCode"]
    with pytest.raises(FetchError) as err:
        fetch_observatory(
            tmp_path, "KAK", "2015-06-01", "2015-06-02", base_url=gin(svc), http=fast_http(), progress=False
        )
    msg = str(err.value)
    assert gin(svc) in msg and "observatoryIagaCode=KAK" in msg and "HTTP 400" in msg
    assert "expected HTTP 200 with an IAGA-2002 file of KAK" in msg and "bad parameter" in msg
    assert err.value.status == 400 and err.value.url.startswith(gin(svc))
    # an HTML page with status 200, a file of another station: failures naming the URL
    svc.plan[key] = ["html"]
    svc.plan[("KAK", "2015-06-02")] = ["swap-station"]
    s = fetch_observatory(
        tmp_path, "KAK", "2015-06-01", "2015-06-02", base_url=gin(svc), http=fast_http(), progress=False
    )
    (_, m1), (_, m2) = s.failed
    assert "HTTP 200 but the body is not an IAGA-2002 file" in m1 and "dataStartDate=2015-06-01" in m1
    assert "it holds station 'MMB', not 'KAK'" in m2 and s.requests == 2  # not retried
    # through the command line: exit status 2 and the message
    svc.plan[key] = ["400:observatoryIagaCode"]
    rc = main(
        [
            "fetch",
            "observatory",
            "--station",
            "KAK",
            "--start",
            "2015-06-01",
            "--end",
            "2015-06-01",
            "--out",
            str(tmp_path / "cli"),
            "--base-url",
            gin(svc),
            "--no-progress",
            "--backoff",
            "0",
        ]
    )
    err = capsys.readouterr().err
    assert (
        rc == 2 and "seisem fetch: error:" in err and "HTTP 400" in err and "observatoryIagaCode=KAK" in err
    )


def test_all_404_says_check_the_base_url(svc, tmp_path):
    svc.plan[("KAK", "2015-06-01")] = ["404"]
    svc.plan[("KAK", "2015-06-02")] = ["404"]
    s = fetch_observatory(
        tmp_path, "KAK", "2015-06-01", "2015-06-02", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert [m for _, m in s.missing] == ["HTTP 404 for definitive"] * 2
    assert any("every request was answered HTTP 404: check --base-url" in n for n in s.notes)
    svc.plan[("KAK", "2015-06-01")] = ["404"]
    s = fetch_observatory(
        tmp_path, "KAK", "2015-06-01", "2015-06-02", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert s.fetched == ["kak20150602dmin.min"] and not any("404" in n for n in s.notes)


def test_resume_after_the_server_dies(svc, tmp_path):
    """A run interrupted mid-way (the server stops answering after 3 files): the first run stops
    after three failures in a row, the second fetches only the missing files, the third nothing."""
    orig = Handler.do_GET
    count = {"n": 0}

    def dying(self):
        count["n"] += 1
        svc.dead = count["n"] > 3
        orig(self)

    Handler.do_GET = dying
    try:
        with pytest.raises(
            FetchError, match=r"3 station-days in a row failed.*3 files were fetched; run the same"
        ):
            fetch_observatory(
                tmp_path,
                "KAK",
                "2015-06-01",
                "2015-06-10",
                base_url=gin(svc),
                http=fast_http(retries=1),
                progress=False,
            )
    finally:
        Handler.do_GET = orig
    svc.dead = False
    assert sorted(p.name for p in tmp_path.glob("*.min")) == [f"kak2015060{d}dmin.min" for d in (1, 2, 3)]
    run = json.loads((tmp_path / "about" / "SOURCE.json").read_text())["runs"][-1]
    assert run["fetched"] == 3 and len(run["failed"]) == 3  # written although the run stopped
    svc.requests.clear()
    s = fetch_observatory(
        tmp_path, "KAK", "2015-06-01", "2015-06-10", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert len(s.fetched) == 7 and len(s.skipped) == 3 and len(svc.requests) == 7
    svc.requests.clear()
    s = fetch_observatory(
        tmp_path, "KAK", "2015-06-01", "2015-06-10", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert not s.fetched and len(s.skipped) == 10 and svc.requests == []


def test_resume_after_a_kill(svc, tmp_path):
    """The command killed (SIGKILL) while a request hangs: the files it finished are whole, a
    temporary file a kill can leave is hidden and removed, the next run fetches the rest."""
    svc.release.clear()
    svc.stall_after = 2
    out = tmp_path / "iaga"
    cmd = [
        sys.executable,
        "-m",
        "seisem",
        "fetch",
        "observatory",
        "--station",
        "KAK",
        "--start",
        "2015-06-01",
        "--end",
        "2015-06-05",
        "--out",
        str(out),
        "--base-url",
        gin(svc),
        "--no-progress",
        "--rate",
        "100",
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(svc.requests) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert len(svc.requests) == 3, "the fetch did not reach the hanging request"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    svc.release.set()
    svc.stall_after = None
    assert sorted(p.name for p in out.glob("*.min")) == ["kak20150601dmin.min", "kak20150602dmin.min"]
    assert all(complete_on_disk(p) for p in out.glob("*.min"))
    (out / ".kak20150603.12345.part").write_bytes(iaga_day("KAK", date(2015, 6, 3), "Definitive")[:5000])
    svc.requests.clear()
    s = fetch_observatory(
        out, "KAK", "2015-06-01", "2015-06-05", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert len(s.fetched) == 3 and len(s.skipped) == 2 and len(svc.requests) == 3
    assert "removed 1 temporary file(s) left by an interrupted run" in s.notes
    assert not list(out.glob(".*.part"))
    s = fetch_observatory(
        out, "KAK", "2015-06-01", "2015-06-05", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert not s.fetched and len(s.skipped) == 5


def test_incomplete_file_on_disk_is_fetched_again(svc, tmp_path):
    body = iaga_day("KAK", date(2015, 6, 1), "Definitive")
    (tmp_path / "kak20150601dmin.min").write_bytes(body[: body.index(b"2015-06-01 12:00")])
    assert not complete_on_disk(tmp_path / "kak20150601dmin.min")
    (tmp_path / "kak20150602dmin.min").write_bytes(iaga_day("KAK", date(2015, 6, 2), "Definitive"))
    assert complete_on_disk(tmp_path / "kak20150602dmin.min")
    assert not complete_on_disk(tmp_path / "absent.min")
    s = fetch_observatory(
        tmp_path, "KAK", "2015-06-01", "2015-06-02", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert s.fetched == ["kak20150601dmin.min"] and s.skipped == ["kak20150602dmin.min"]
    assert "kak20150601dmin.min on disk is incomplete: fetched again" in s.notes
    assert (tmp_path / "kak20150601dmin.min").read_bytes() == body


def test_other_types_and_duplicate_days(svc, tmp_path):
    s = fetch_observatory(
        tmp_path,
        "KAK",
        "2015-06-01",
        "2015-06-01",
        type="provisional",
        base_url=gin(svc),
        http=fast_http(),
        progress=False,
    )
    assert s.fetched == ["kak20150601pmin.min"] and svc.requests[-1][1]["publicationState"] == "adj-or-rep"
    # a definitive run keeps its own file: two data types for one day are noted
    s = fetch_observatory(
        tmp_path, "KAK", "2015-06-01", "2015-06-01", base_url=gin(svc), http=fast_http(), progress=False
    )
    assert s.fetched == ["kak20150601dmin.min"]
    assert any("have files of two data types" in n for n in s.notes)
    # a provisional run accepts the definitive file already there
    s = fetch_observatory(
        tmp_path,
        "KAK",
        "2015-06-01",
        "2015-06-01",
        type="provisional",
        base_url=gin(svc),
        http=fast_http(),
        progress=False,
    )
    assert s.skipped == ["kak20150601dmin.min"]
    s = fetch_observatory(
        tmp_path / "q",
        "KAK",
        "2015-06-01",
        "2015-06-01",
        type="quasi-definitive",
        base_url=gin(svc),
        http=fast_http(),
        progress=False,
    )
    assert s.fetched == ["kak20150601qmin.min"] and svc.requests[-1][1]["publicationState"] == "quasi-def"


def test_check_day_both_sides(tmp_path):
    day = date(2015, 6, 1)
    p = tmp_path / "x"
    p.write_bytes(iaga_day("KAK", day, "Definitive"))
    got = check_day(p, "KAK", day)
    assert got.letter == "d" and got.has_data and got.records == 1440
    from seisem.fetch._http import Truncated, Unexpected

    with pytest.raises(Unexpected, match="not the one-minute records of 2015-06-02"):
        check_day(p, "KAK", date(2015, 6, 2))
    p.write_bytes(iaga_day("KAK", day, "Definitive", missing=True))
    assert not check_day(p, "KAK", day).has_data
    body = iaga_day("KAK", day, "Definitive")
    p.write_bytes(body[: body.index(b"DATE")])
    with pytest.raises(Truncated, match="ends inside the header"):
        check_day(p, "KAK", day)
    p.write_bytes(body[:-20])
    with pytest.raises(Truncated, match="last record is cut short"):
        check_day(p, "KAK", day)
    p.write_bytes(b"")
    with pytest.raises(Truncated, match="empty"):
        check_day(p, "KAK", day)
    p.write_bytes(body.replace(b"2015-06-01 05:00:00.000 152     ", b"2015-06-01 05:00:00.000 152  xx "))
    with pytest.raises(Unexpected, match="malformed record"):
        check_day(p, "KAK", day)


def test_parameter_errors_name_the_option(svc, tmp_path, capsys):
    from seisem._errors import ParameterError

    with pytest.raises(
        ParameterError, match=r"start=2015-06-05 \(--start\) is after end=2015-06-01 \(--end\)"
    ):
        day_range("2015-06-05", "2015-06-01")
    with pytest.raises(ParameterError, match=r"--start\) is not a date: write YYYY-MM-DD"):
        day_range("2015-13-01", "2015-06-01")
    with pytest.raises(ParameterError, match=r"start=2999-01-01 \(--start\) is in the future"):
        day_range("2999-01-01", "2999-01-02")
    assert [str(d) for d in day_range("2015-06-01", "2015-06-02")] == ["2015-06-01", "2015-06-02"]
    with pytest.raises(
        ParameterError, match=r"'KAKI' \(--station\) is not an IAGA observatory code: three letters"
    ):
        parse_stations(["KAK", "KAKI"])
    with pytest.raises(ParameterError, match=r"--station\) is empty"):
        parse_stations([])
    assert parse_stations(["kak,MMB", "KAK", "kny"]) == ["KAK", "MMB", "KNY"]
    with pytest.raises(ParameterError, match=r"'native' \(--elements\) is an INTERMAGNET orientation"):
        parse_elements("native", "usgs")
    with pytest.raises(ParameterError, match=r"--elements\): one to four distinct elements"):
        parse_elements("HDZFX", "usgs")
    assert parse_elements("x,y,z,f", "usgs") == "XYZF" and parse_elements("native", "intermagnet") == "native"
    with pytest.raises(ParameterError, match="source='gfz' is not supported"):
        fetch_observatory(tmp_path, "KAK", "2015-06-01", "2015-06-01", source="gfz")
    with pytest.raises(ParameterError, match=r"--base-url\) must start with http"):
        fetch_observatory(tmp_path, "KAK", "2015-06-01", "2015-06-01", base_url="ftp://x")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ParameterError, match=r"--out\) is a file"):
        fetch_observatory(tmp_path / "file", "KAK", "2015-06-01", "2015-06-01", base_url=gin(svc))
    with pytest.raises(ParameterError, match=r"--rate\): requests a second must be positive"):
        Http(rate=0)
    with pytest.raises(ParameterError, match=r"--retries\)"):
        Http(retries=-1)
    # days not over yet are missing, not requested
    s = fetch_observatory(
        tmp_path / "t",
        "KAK",
        "2015-06-01",
        "2015-06-02",
        base_url=gin(svc),
        http=fast_http(),
        progress=False,
        today=date(2015, 6, 2),
    )
    assert s.fetched == ["kak20150601dmin.min"] and s.missing == [
        ("KAK 2015-06-02", "the UTC day is not over yet (today is 2015-06-02)")
    ]
    # the command line: an unknown --source, a bad --rate
    with pytest.raises(SystemExit) as e:
        main(
            [
                "fetch",
                "observatory",
                "--source",
                "gfz",
                "--station",
                "KAK",
                "--start",
                "2015-06-01",
                "--end",
                "2015-06-01",
                "--out",
                str(tmp_path),
            ]
        )
    assert e.value.code == 2 and "argument --source: invalid choice: 'gfz'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(
            [
                "fetch",
                "catalog",
                "--start",
                "2015-06-01",
                "--end",
                "2015-06-02",
                "--box",
                "1,2,3,4",
                "--out",
                str(tmp_path / "c.csv"),
                "--rate",
                "0",
            ]
        )
    assert "argument --rate: '0' is not a positive number" in capsys.readouterr().err


# ------------------------------------------------------------------ catalogs

JAPAN = "24,46,122,150"


def _events():
    return [
        _ev(1, "2012-02-01T00:00:00.000Z", 36.0, 141.0, 5.1),
        _ev(2, "2012-05-01T10:00:00.000Z", 37.0, 142.0, 4.6),
        _ev(3, "2012-07-01T10:00:00.000Z", 38.0, 142.5, 4.2),
        _ev(4, "2012-08-01T10:00:00.000Z", 39.0, 143.0, 6.0),
        _ev(5, "2012-09-01T10:00:00.000Z", 35.0, 140.5, 4.4),
        _ev(6, "2013-01-01T00:00:00.000Z", 36.5, 141.5, 4.9),  # on a window boundary: asked twice, kept once
        _ev(7, "2013-06-01T00:00:00.000Z", 10.0, 100.0, 6.5),  # outside the box
        _ev(8, "2013-07-01T00:00:00.000Z", 40.0, 143.0, 3.0),  # below the magnitude asked for
    ]


def test_catalog_usgs_csv_windows_split_and_reused(svc, tmp_path):
    svc.events = _events()
    out = tmp_path / "cat" / "japan.csv"
    s = fetch_catalog(
        out,
        "2012-01-01",
        "2013-12-31",
        source="usgs",
        min_magnitude=4,
        box=JAPAN,
        client="http",
        base_url=svc.base,
        limit=3,
        http=fast_http(),
        progress=False,
        now=datetime(2024, 1, 1, tzinfo=UTC),
    )
    cat = read_catalog(out)  # read with no options: ComCat CSV, detected
    assert list(cat["source_id"]) == ["us0001", "us0002", "us0003", "us0004", "us0005", "us0006"]
    assert cat["source_origin_time"].iloc[0] == datetime(2012, 2, 1, tzinfo=UTC)
    assert out.read_text().splitlines()[0] == COMCAT_HEADER  # the service's own columns
    assert s.events == 6 and s.windows == 3 and s.split >= 1 and s.reused == 0  # 365 + 365 + 1 days
    path, q = svc.requests[0]
    assert path == "/fdsnws/event/1/query"
    assert q == {
        "starttime": "2012-01-01T00:00:00",
        "endtime": "2012-12-31T00:00:00",
        "minlatitude": "24",
        "maxlatitude": "46",
        "minlongitude": "122",
        "maxlongitude": "150",
        "minmagnitude": "4",
        "orderby": "time-asc",
        "eventtype": "earthquake",
        "limit": "3",
        "format": "csv",
    }
    # the first window (5 events, limit 3) was halved until each part fitted
    first_year = [q for _, q in svc.requests if q["endtime"] <= "2012-12-31T00:00:00"]
    assert len(first_year) >= 3
    info = json.loads(Path(f"{out}.SOURCE.json").read_text())
    assert info["events"] == 6 and info["client"] == "http" and "10.5066/F7MS3QZH" in info["citation"]
    assert "10.5066/F7MS3QZH" in Path(f"{out}.TERMS.txt").read_text()
    assert "10.5066/F7MS3QZH" in s.text() and "6 events from usgs" in s.text()
    # a second run: the finished windows are kept, nothing is asked for
    svc.requests.clear()
    s = fetch_catalog(
        out,
        "2012-01-01",
        "2013-12-31",
        source="usgs",
        min_magnitude=4,
        box=JAPAN,
        client="http",
        base_url=svc.base,
        limit=3,
        http=fast_http(),
        progress=False,
        now=datetime(2024, 1, 1, tzinfo=UTC),
    )
    assert svc.requests == [] and s.reused == 3 and s.events == 6
    # a window that ends less than a day ago is fetched every time
    svc.requests.clear()
    fetch_catalog(
        tmp_path / "recent.csv",
        "2013-12-01",
        "2013-12-31",
        source="usgs",
        box=JAPAN,
        client="http",
        base_url=svc.base,
        http=fast_http(),
        progress=False,
        now=datetime(2014, 1, 1, 12, tzinfo=UTC),
    )
    fetch_catalog(
        tmp_path / "recent.csv",
        "2013-12-01",
        "2013-12-31",
        source="usgs",
        box=JAPAN,
        client="http",
        base_url=svc.base,
        http=fast_http(),
        progress=False,
        now=datetime(2014, 1, 1, 12, tzinfo=UTC),
    )
    assert len(svc.requests) == 2


def test_catalog_empty_answer_204(svc, tmp_path):
    out = tmp_path / "none.csv"
    s = fetch_catalog(
        out,
        "2012-01-01",
        "2012-03-01",
        box=JAPAN,
        client="http",
        base_url=svc.base,
        window_days=30,
        http=fast_http(),
        progress=False,
    )
    assert s.events == 0 and s.empty == s.windows == 3
    assert len(read_catalog(out)) == 0 and out.read_text().startswith("time,latitude,longitude,depth,mag")


def test_catalog_fdsn_text_isc_and_emsc(svc, tmp_path):
    svc.events = [*_events()[:3], _ev(9, "2012-10-01T10:00:00.000Z", 36.0, 141.0, None)]
    s = fetch_catalog(
        tmp_path / "isc.csv",
        "2012-01-01",
        "2012-12-31",
        source="isc",
        box=JAPAN,
        client="http",
        base_url=svc.base,
        http=fast_http(),
        progress=False,
    )
    assert (
        s.events == 3 and s.dropped == {"no magnitude": 1} and "left out 1 event(s): no magnitude" in s.text()
    )
    assert all(q["format"] == "text" and "limit" not in q and "eventtype" not in q for _, q in svc.requests)
    assert len(svc.requests) == 13  # ISC: 30-day windows, no limit sent
    cat = read_catalog(tmp_path / "isc.csv")
    assert (
        list(cat["source_id"]) == ["us0001", "us0002", "us0003"] and cat["source_magnitude_type"][0] == "mb"
    )
    assert (
        (tmp_path / "isc.csv").read_text().splitlines()[1].startswith("2012-02-01T00:00:00.000Z,36.0,141.0")
    )
    assert "10.31905/D808B830" in (tmp_path / "isc.csv.TERMS.txt").read_text()
    svc.requests.clear()
    s = fetch_catalog(
        tmp_path / "emsc.csv",
        "2012-01-01",
        "2012-12-31",
        source="emsc",
        box=JAPAN,
        client="http",
        base_url=svc.base,
        http=fast_http(),
        progress=False,
    )
    assert s.events == 3 and svc.requests[0][1]["limit"] == "10000"
    assert "EMSC" in (tmp_path / "emsc.csv.TERMS.txt").read_text()


def test_catalog_circles_around_stations(svc, tmp_path):
    svc.events = [
        _ev(1, "2015-06-08T12:00:00.000Z", 36.3, 140.3, 5.0),  # 15 km from KAK
        _ev(2, "2015-06-09T12:00:00.000Z", 43.5, 144.0, 4.5),  # 50 km from MMB
        _ev(3, "2015-06-10T12:00:00.000Z", 31.0, 131.0, 4.5),  # far from both
    ]
    st = tmp_path / "stations.csv"
    st.write_text("code,lat,lon\nKAK,36.232,140.186\nMMB,43.910,144.189\n")
    regions = regions_from(stations=stations_for_catalog(st), radius_km=100)
    assert [r.label for r in regions] == ["100 km around KAK", "100 km around MMB"]
    s = fetch_catalog(
        tmp_path / "c.csv",
        "2015-06-01",
        "2015-06-30",
        stations=stations_for_catalog(st),
        radius_km=100,
        client="http",
        base_url=svc.base,
        http=fast_http(),
        progress=False,
    )
    assert s.events == 2 and list(read_catalog(tmp_path / "c.csv")["source_id"]) == ["us0001", "us0002"]
    q = svc.requests[0][1]
    assert (q["latitude"], q["longitude"], q["maxradius"]) == ("36.2320", "140.1860", "0.8993")
    # a folder of IAGA-2002 files serves as the station list (coordinates from the headers)
    iaga = tmp_path / "iaga"
    iaga.mkdir()
    (iaga / "kak20150601dmin.min").write_bytes(iaga_day("KAK", date(2015, 6, 1), "Definitive"))
    assert list(stations_for_catalog(iaga)["station_code"]) == ["KAK"]


def test_catalog_retries_truncation_and_errors(svc, tmp_path):
    svc.events = _events()[:2]
    svc.plan["catalog"] = ["503", "truncate", "429:2"]
    http = fast_http()
    s = fetch_catalog(
        tmp_path / "a.csv",
        "2012-01-01",
        "2012-12-31",
        box=JAPAN,
        client="http",
        base_url=svc.base,
        http=http,
        progress=False,
    )
    assert s.events == 2 and [w for _, w, _ in http.waits] == [0.5, 1.0, 2.0]
    svc.plan["catalog"] = ["400:minmagnitude"]
    with pytest.raises(FetchError) as err:
        fetch_catalog(
            tmp_path / "b.csv",
            "2012-01-01",
            "2012-12-31",
            box=JAPAN,
            client="http",
            base_url=svc.base,
            http=fast_http(),
            progress=False,
        )
    msg = str(err.value)
    assert msg.startswith(svc.base + "/fdsnws/event/1/query?starttime=2012-01-01T00:00:00")
    assert (
        "HTTP 400; expected HTTP 200 with ComCat CSV events (or 204: none)" in msg and "minmagnitude" in msg
    )
    assert not (tmp_path / "b.csv").exists()
    svc.plan["catalog"] = ["html"]
    with pytest.raises(
        FetchError, match=r"HTTP 200 but the body is not a ComCat CSV .* expected ComCat CSV events"
    ):
        fetch_catalog(
            tmp_path / "b.csv",
            "2012-01-01",
            "2012-12-31",
            box=JAPAN,
            client="http",
            base_url=svc.base,
            http=fast_http(),
            progress=False,
        )
    svc.plan["catalog"] = ["html"]
    with pytest.raises(FetchError, match=r"HTTP 200 but the body is not the FDSN text format"):
        fetch_catalog(
            tmp_path / "b.csv",
            "2012-01-01",
            "2012-12-31",
            source="emsc",
            box=JAPAN,
            client="http",
            base_url=svc.base,
            http=fast_http(),
            progress=False,
        )
    # HTTP 413 (request too large) splits the window as a full answer does
    svc.plan["catalog"] = ["413"]
    s = fetch_catalog(
        tmp_path / "c.csv",
        "2012-01-01",
        "2012-12-31",
        box=JAPAN,
        client="http",
        base_url=svc.base,
        http=fast_http(),
        progress=False,
    )
    assert s.events == 2 and s.split == 1


def test_catalog_parameter_errors(tmp_path):
    from seisem._errors import ParameterError

    with pytest.raises(ParameterError, match=r"--box\): minlat,maxlat,minlon,maxlon"):
        parse_box("46,24,122,150")
    with pytest.raises(ParameterError, match=r"--box\)"):
        parse_box("1,2,3")
    assert parse_box("24,46,122,150") == (24, 46, 122, 150)
    with pytest.raises(ParameterError, match="one of the two"):
        regions_from()
    with pytest.raises(ParameterError, match=r"radius_km=None \(--radius-km\)"):
        regions_from(stations=[1], radius_km=None)
    with pytest.raises(ParameterError, match=r"--radius-km\) goes with --stations"):
        regions_from(box=JAPAN, radius_km=10)
    with pytest.raises(ParameterError, match=r"is not before end=.*swap them"):
        fetch_catalog(tmp_path / "x.csv", "2013-01-01", "2012-01-01", box=JAPAN)
    with pytest.raises(ParameterError, match=r"--start\) is not a date or time"):
        fetch_catalog(tmp_path / "x.csv", "yesterday", "2012-01-01", box=JAPAN)
    with pytest.raises(ParameterError, match="source='iris' is not supported"):
        fetch_catalog(tmp_path / "x.csv", "2012-01-01", "2012-02-01", source="iris", box=JAPAN)
    with pytest.raises(ParameterError, match=r"--min-magnitude\) is outside"):
        fetch_catalog(tmp_path / "x.csv", "2012-01-01", "2012-02-01", box=JAPAN, min_magnitude=12)
    with pytest.raises(ParameterError, match=r"--out\) is a folder"):
        fetch_catalog(tmp_path, "2012-01-01", "2012-02-01", box=JAPAN)
    with pytest.raises(ParameterError, match="client='fast' is not supported"):
        fetch_catalog(tmp_path / "x.csv", "2012-01-01", "2012-02-01", box=JAPAN, client="fast")


def test_event_ids_from_quakeml_resource_ids():
    assert event_id("quakeml:earthquake.usgs.gov/fdsnws/event/1/query?eventid=us7000abcd&format=quakeml") == (
        "us7000abcd"
    )
    assert event_id("smi:ISC/evid=600516598") == "600516598"
    assert event_id("quakeml:eu.emsc/event/20170919_0000091") == "20170919_0000091"


def test_catalog_through_obspy(svc, tmp_path):
    pytest.importorskip("obspy")
    svc.events = _events()
    svc.plan["catalog"] = ["429", "204"]
    s = fetch_catalog(
        tmp_path / "q.csv",
        "2012-01-01",
        "2013-12-31",
        min_magnitude=4,
        box=JAPAN,
        client="obspy",
        base_url=svc.base,
        limit=3,
        http=fast_http(),
        progress=False,
    )
    # the first window answered 429 (retried), then 204 (no events); the second window had one event
    assert s.client == "obspy" and s.events == 1 and "format" not in svc.requests[0][1]
    assert svc.requests[0][1]["limit"] == "3" and svc.requests[0][1]["eventtype"] == "earthquake"
    s = fetch_catalog(
        tmp_path / "q2.csv",
        "2012-01-01",
        "2013-12-31",
        min_magnitude=4,
        box=JAPAN,
        client="auto",
        base_url=svc.base,
        limit=3,
        http=fast_http(),
        progress=False,
    )
    cat = read_catalog(tmp_path / "q2.csv")
    assert s.client == "obspy" and s.split >= 1
    assert list(cat["source_id"]) == ["us0001", "us0002", "us0003", "us0004", "us0005", "us0006"]
    assert cat["source_depth_km"][0] == 10.0 and cat["source_magnitude_type"][0] == "mww"
    svc.plan["catalog"] = ["400:bad"]
    with pytest.raises(
        FetchError, match=r"query\?starttime=.*HTTP 400 through ObsPy's FDSN client; expected"
    ):
        fetch_catalog(
            tmp_path / "q3.csv",
            "2012-01-01",
            "2012-02-01",
            box=JAPAN,
            client="obspy",
            base_url=svc.base,
            http=fast_http(),
            progress=False,
        )


# ------------------------------------------------------------------ fetch -> build, no conversion


def test_fetch_then_build(svc, tmp_path, capsys):
    """The fetched day files and catalog feed seisem build as they are (the IAGA preset, station
    coordinates from the file headers)."""
    svc.events = [_ev(1, "2015-06-08T12:00:00.000Z", 36.3, 140.3, 5.0)]
    data, cat, ds = tmp_path / "iaga", tmp_path / "catalog.csv", tmp_path / "ds"
    base = ["--no-progress", "--rate", "1000", "--backoff", "0"]
    assert (
        main(
            [
                "fetch",
                "observatory",
                "--station",
                "KAK",
                "--start",
                "2015-06-01",
                "--end",
                "2015-06-14",
                "--out",
                str(data),
                "--base-url",
                gin(svc),
                *base,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "14 fetched, 0 skipped" in out and "CC BY-NC 4.0" in out
    assert (
        main(
            [
                "fetch",
                "catalog",
                "--client",
                "http",
                "--stations",
                str(data),
                "--radius-km",
                "300",
                "--start",
                "2015-06-01",
                "--end",
                "2015-06-14",
                "--min-magnitude",
                "4",
                "--out",
                str(cat),
                "--base-url",
                svc.base,
                *base,
            ]
        )
        == 0
    )
    assert "1 events from usgs" in capsys.readouterr().out
    rc = main(
        [
            "build",
            "--format",
            "iaga2002",
            "--data",
            str(data),
            "--catalog",
            str(cat),
            "--out",
            str(ds),
            "--before-days",
            "3",
            "--after-days",
            "3",
            "--max-distance-km",
            "dobrovolsky",
            "--on-bad-split",
            "warn",
            "--scheduler",
            "synchronous",
            "--no-progress",
        ]
    )
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "dataset" in captured.out and "6 samples (3 before, 3 after)" in captured.out
    meta = json.loads((ds / "manifest.json").read_text())
    assert meta["counts"]["samples"] == 6


def test_check_day_on_real_files(real):
    """A real USGS day file (CRLF line ends) passes the checks a download must pass; a real
    monthly file is not one day."""
    from seisem.fetch._http import Unexpected

    bou = real / "iaga2002" / "bou20141101vmin.min"
    got = check_day(bou, "BOU", date(2014, 11, 1))
    assert got.letter == "v" and got.records == 1440 and got.has_data and complete_on_disk(bou)
    with pytest.raises(Unexpected, match="holds station 'BOU', not 'KAK'"):
        check_day(bou, "KAK", date(2014, 11, 1))
    with pytest.raises(Unexpected, match="not the one-minute records of 2011-03-01"):
        check_day(real / "iaga2002" / "mmb201103dmin.min", "MMB", date(2011, 3, 1))


def test_read_quakeml_keeps_usgs_event_ids(tmp_path):
    """USGS QuakeML ids end in '&format=quakeml': every event used to be called 'quakeml' (and
    the catalog refused as holding one id many times)."""
    pytest.importorskip("obspy")
    path = tmp_path / "usgs.xml"
    events = _events()[:3]
    path.write_bytes(quakeml(events))
    cat = read_quakeml(path)
    assert len(cat) == 3 and set(cat["source_id"]) == {e["id"] for e in events}
