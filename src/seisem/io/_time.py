"""Time-zone handling: everything inside seisem is UTC."""

from __future__ import annotations

import re
from datetime import timedelta, timezone

from .._errors import ParameterError

_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def parse_tz(tz):
    """A time zone from ``"UTC"``, an offset such as ``"+08:00"``/``"UTC+8"``, or an IANA name.

    Returns a :class:`datetime.tzinfo`. ``"UTC"`` and offsets need nothing; IANA names
    (``"Asia/Shanghai"``) use :mod:`zoneinfo`.
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
        from zoneinfo import ZoneInfo

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
    import numpy as np

    ms = np.round(np.asarray(seconds, dtype=np.float64) * 1e3).astype(np.int64)
    return ms.astype("datetime64[ms]").astype("datetime64[ns]")


def to_utc_index(values, tz="UTC"):
    """Naive local timestamps (or tz-aware ones) to a tz-aware UTC ``DatetimeIndex``."""
    import pandas as pd

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


def parse_iso_times(texts, tz="UTC"):
    """Strict ISO 8601 texts to UTC ``datetime64[ns]``; NaT where a text is not a complete,
    valid time (never an exception: pandas' parse and bounds errors become NaT).

    Times without a zone are local times in ``tz``; ambiguous or non-existent local times
    (DST changes) are NaT too.
    """
    import numpy as np
    import pandas as pd

    texts = [str(t).strip() for t in texts]
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
