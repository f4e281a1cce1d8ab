"""Download public data into the layouts seisem reads: one-minute observatory data as IAGA-2002
day files (INTERMAGNET, USGS) and earthquake catalogs as CSV (USGS ComCat, ISC, EMSC), resumably,
politely (a rate limit, retries with backoff) and with each source's terms of use written beside
the files. The command line is ``seisem fetch observatory`` and ``seisem fetch catalog``; the
guide is docs/seisem/fetch.md.
"""

from .._errors import FetchError
from ._http import Http
from .catalog import CatalogSummary, fetch_catalog, stations_for_catalog
from .observatory import ObservatorySummary, fetch_observatory
from .terms import TERMS, terms_text

__all__ = [
    "TERMS",
    "CatalogSummary",
    "FetchError",
    "Http",
    "ObservatorySummary",
    "fetch_catalog",
    "fetch_observatory",
    "stations_for_catalog",
    "terms_text",
]
