"""Time-zone handling: everything inside seisem is UTC."""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._errors import ParameterError

_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def parse_tz(tz):
    """A time zone from ``"UTC"``, an offset such as ``"+08:00"``/``"UTC+8"``, or an IANA name.

    ``"UTC"`` and offsets need nothing; IANA names (``"Asia/Shanghai"``) use :mod:`zoneinfo`
    (and so follow daylight saving time where the zone has it).

    Parameters
    ----------
    tz : str, datetime.tzinfo or None
        ``"UTC"`` (also ``"Z"``, ``"GMT"``, any case), a fixed offset from UTC as
        ``[UTC]+hh[:mm]`` or ``[UTC]-hhmm`` (``"+08:00"``, ``"UTC+8"``, ``"-0330"``; hours 0 to
        14), or an IANA time-zone name. A :class:`datetime.tzinfo` is returned as it is;
        ``None`` means UTC.

    Returns
    -------
    datetime.tzinfo
        :data:`datetime.timezone.utc`, a fixed :class:`datetime.timezone`, or a
        :class:`zoneinfo.ZoneInfo`.

    Raises
    ------
    ParameterError
        Not a string, an offset out of range, or an unknown name.
    """
    if tz is None:
        return timezone.utc
    if hasattr(tz, "utcoffset"):
        return tz
    if not isinstance(tz, str):
        raise ParameterError(f"tz={tz!r} must be a string such as 'UTC', '+08:00' or 'Asia/Shanghai'")
    s = tz.strip()
    if s.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    m = _OFFSET.match(s.upper())
    if m:
        sign, hh, mm = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if hh > 14 or mm >= 60:
            raise ParameterError(f"tz={tz!r} is not a valid UTC offset (hours 0..14, minutes 0..59)")
        delta = timedelta(hours=hh, minutes=mm)
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(s)
    except Exception as exc:
        raise ParameterError(
            f"tz={tz!r} is neither 'UTC', an offset like '+08:00', nor a known IANA time-zone name"
        ) from exc


def tz_name(tz) -> str:
    """A stable text form of a time zone for manifests and metadata."""
    tz = parse_tz(tz)
    if tz is timezone.utc:
        return "UTC"
    key = getattr(tz, "key", None)
    return key if key else str(tz)


def unix_to_datetime64(seconds):
    """Unix seconds (float array, UTC) to ``datetime64[ns]``, rounded to the millisecond."""

    ms = np.round(np.asarray(seconds, dtype=np.float64) * 1e3).astype(np.int64)
    return ms.astype("datetime64[ms]").astype("datetime64[ns]")


def to_utc_index(values, tz="UTC"):
    """Naive local timestamps (or tz-aware ones) to a tz-aware UTC ``DatetimeIndex``."""

    idx = pd.DatetimeIndex(values)
    if idx.tz is None:
        idx = idx.tz_localize(parse_tz(tz))
    return idx.tz_convert("UTC")


#: Unix seconds accepted as a time stamp: 1990-01-01 to 2100-01-01 UTC (digital one-minute
#: data and catalogs in Unix seconds are younger than 1990). Anything outside is a corrupt
#: field (a truncated ``1482621966`` reads as ``148262`` = 1970), reported as such.
UNIX_MIN, UNIX_MAX = 631152000.0, 4102444800.0

#: ISO 8601 as seisem accepts it: a full date, optionally a time (``T`` or a space), optional
#: seconds and fraction, optional ``Z``/offset. Partial dates (``2014-01 00:07``) are refused,
#: not completed.
ISO_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?P<zone>Z|[+-]\d{2}:?\d{2})?$"
)


_ISO_GROUPS = ISO_TIME.pattern.replace(r"^\d{4}", r"^(?P<year>\d{4})", 1)


def iso_matches(texts):
    """For stripped texts: whether each is strict ISO 8601 (:data:`ISO_TIME`), whether it
    carries a zone (``Z`` or an offset), and its year as written (0 where no match).
    Vectorised with pyarrow's regular expressions for ASCII texts (where they match exactly
    what :mod:`re` matches), text by text otherwise."""

    texts = texts if isinstance(texts, list) else list(texts)
    if len(texts) >= 32 and "".join(texts).isascii():
        groups = pc.extract_regex(pa.array(texts, pa.string()), _ISO_GROUPS)
        ok = groups.is_valid().to_numpy(zero_copy_only=False)
        zone = pc.fill_null(pc.not_equal(groups.field("zone"), ""), False).to_numpy(zero_copy_only=False)
        year = pc.fill_null(pc.cast(groups.field("year"), pa.int32()), 0).to_numpy(zero_copy_only=False)
        return ok, zone & ok, year
    ms = [ISO_TIME.match(t) for t in texts]
    ok = np.array([m is not None for m in ms], dtype=bool)
    zone = np.array([m is not None and m.group("zone") is not None for m in ms], dtype=bool)
    year = np.array(
        [int(t[:4]) if m is not None else 0 for t, m in zip(texts, ms, strict=True)], dtype=np.int32
    )
    return ok, zone, year


def parse_iso_times(texts, tz="UTC"):
    """Strict ISO 8601 texts to UTC ``datetime64[ns]``; NaT where a text is not a complete,
    valid time (never an exception: pandas' parse and bounds errors become NaT).

    Times without a zone are local times in ``tz``; ambiguous or non-existent local times
    (DST changes) are NaT too. Each text is judged on its own (a bad one never takes its
    neighbours with it): the texts with a zone and those without are each parsed at once,
    and one by one if pandas refuses a whole group.
    """
    return parse_iso_times_zoned(texts, tz)[0]


def parse_iso_times_zoned(texts, tz="UTC"):
    """:func:`parse_iso_times`, and whether each text is ISO 8601 with a zone."""

    texts = texts.tolist() if hasattr(texts, "tolist") else list(texts)
    texts = [t.strip() if type(t) is str else str(t).strip() for t in texts]
    out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ns]")
    if len(texts) < 32:
        return _parse_one_by_one(texts, tz, out), iso_matches(texts)[1]
    ok, zoned, year = iso_matches(texts)
    ok &= (year >= 1900) & (year < 2100)  # the documented range, on the year as written
    for group in (ok & ~zoned, ok & zoned):
        idx = np.flatnonzero(group)
        if idx.size:
            sub = [texts[i] for i in idx]
            try:
                out[idx] = _parse_group(sub, tz, zoned=bool(zoned[idx[0]]))
            except (ValueError, OverflowError, TypeError):
                out[idx] = _parse_one_by_one(sub, tz)
    # what the strict parse refused, pd.Timestamp may read (a date with an offset and no time,
    # digits of other scripts): those few are decided one by one, as they always were
    again = np.flatnonzero(ok & np.isnat(out))
    if again.size:
        out[again] = _parse_one_by_one([texts[i] for i in again], tz)
    return out, zoned


def _parse_group(texts, tz, zoned):
    """Valid-looking ISO texts of one kind (all zoned or all naive) parsed at once."""

    s = pd.Series([t.replace(" ", "T", 1) for t in texts], dtype=object)
    if zoned:
        utc = pd.to_datetime(s, format="ISO8601", errors="coerce", utc=True)
    else:
        local = pd.to_datetime(s, format="ISO8601", errors="coerce")
        if getattr(local.dt, "tz", None) is not None:  # (cannot happen: no zone in the text)
            raise ValueError("zone in a text without one")
        utc = local.astype("datetime64[ns]").dt.tz_localize(parse_tz(tz), ambiguous="NaT", nonexistent="NaT")
    return utc.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]").to_numpy()


def _parse_one_by_one(texts, tz, out=None):

    if out is None:
        out = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ns]")
    for i, t in enumerate(texts):
        if not ISO_TIME.match(t):
            continue
        try:  # one by one: a bad text must not take its neighbours with it
            ts = pd.Timestamp(t.replace(" ", "T", 1))
            if not 1900 <= ts.year < 2100:  # the documented range (see UNIX_MIN/UNIX_MAX)
                continue
            if ts.tzinfo is None:
                ts = pd.DatetimeIndex([ts.as_unit("ns")]).tz_localize(
                    parse_tz(tz), ambiguous="NaT", nonexistent="NaT"
                )[0]
            if ts is pd.NaT:
                continue
            out[i] = ts.tz_convert("UTC").tz_localize(None).as_unit("ns").to_datetime64()
        except (ValueError, OverflowError, TypeError):  # incl. OutOfBoundsDatetime, DateParseError
            continue
    return out
