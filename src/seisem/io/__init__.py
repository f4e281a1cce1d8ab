"""Readers: station series (IAGA-2002, AETA feature files, raw exports, ObsPy), catalogs, station lists.

Every reader returns UTC times, takes ``errors="raise"|"skip"`` for bad rows, and reports
what it kept and dropped (``.report`` on series, ``df.attrs["report"]`` on tables).
"""

from ._report import ReadReport
from ._time import parse_tz
from .aeta import StationSeries, read_aeta_features, read_raw_export
from .catalog import (
    CATALOG_ALIASES,
    STATION_ALIASES,
    parse_columns,
    read_aeta_catalog,
    read_aeta_stations,
    read_catalog,
    read_catalog_csv,
    read_cenc_catalog,
    read_comcat_csv,
    read_quakeml,
    read_stations,
    read_stations_csv,
    stations_from_iaga2002,
)
from .iaga2002 import IAGA2002, read_iaga2002, read_iaga2002_header
from .obspy_io import read_obspy

__all__ = [
    "CATALOG_ALIASES",
    "IAGA2002",
    "STATION_ALIASES",
    "ReadReport",
    "StationSeries",
    "parse_columns",
    "parse_tz",
    "read_aeta_catalog",
    "read_aeta_features",
    "read_aeta_stations",
    "read_catalog",
    "read_catalog_csv",
    "read_cenc_catalog",
    "read_comcat_csv",
    "read_iaga2002",
    "read_iaga2002_header",
    "read_obspy",
    "read_quakeml",
    "read_raw_export",
    "read_stations",
    "read_stations_csv",
    "stations_from_iaga2002",
]
