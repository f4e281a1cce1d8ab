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
