"""Each source's terms of use and citation: printed with a fetch's summary, written beside the
files (``TERMS.txt``, ``SOURCE.json``) and stated in the docs (docs/seisem/fetch.md).

The texts summarise the providers' pages named in them; those pages are authoritative and may
change, so every entry gives its address.
"""

from __future__ import annotations

TERMS = {
    "intermagnet": {
        "name": "INTERMAGNET (data served by the BGS Geomagnetic Information Node web service)",
        "terms_url": "https://tech-man.intermagnet.org/stable/chapters/intermagnet/condofuse.html",
        "licence": "CC BY-NC 4.0 (Creative Commons Attribution-NonCommercial 4.0 International), "
        "unless otherwise noted; some institutes publish under other licences",
        "terms": (
            "INTERMAGNET conditions of use: unless otherwise noted, INTERMAGNET data are provided under "
            "a Creative Commons Attribution-NonCommercial 4.0 International licence (CC BY-NC 4.0); some "
            "institutes contribute data under other licence arrangements. Commercial use, sale or bulk "
            "distribution needs the written permission of the institute operating the observatory. Any "
            "report or publication using the data should acknowledge the institutes that supplied them, "
            "preferably by citing the data's DOI (the annual INTERMAGNET Reference Data Sets, e.g. "
            "https://doi.org/10.5880/INTERMAGNET.1991.2020), and a citation should be sent to the "
            "INTERMAGNET Secretary. INTERMAGNET accepts no liability arising from the provision of the data."
        ),
        "citation": (
            "The results presented here rely on data collected at magnetic observatories. We thank the "
            "national institutes that support them and INTERMAGNET for promoting high standards of "
            "magnetic observatory practice (https://www.intermagnet.org/). Name the observatories and "
            "their institutes where few are used (e.g. Kakioka KAK, Memambetsu MMB and Kanoya KNY: the "
            "Kakioka Magnetic Observatory, Japan Meteorological Agency), and cite the DOIs of definitive data."
        ),
    },
    "usgs-geomag": {
        "name": "USGS Geomagnetism Program (geomag.usgs.gov web service)",
        "terms_url": "https://www.usgs.gov/programs/geomagnetism",
        "licence": "U.S. Government work (USGS data are in the public domain in the United States)",
        "terms": (
            "USGS Geomagnetism Program data are made available as-is, without guarantees of continuity "
            "or quality. The USGS asks that the Geomagnetism Program be acknowledged in all published "
            "documents that use its data."
        ),
        "citation": (
            "Geomagnetic observatory data from the U.S. Geological Survey Geomagnetism Program "
            "(https://geomag.usgs.gov). We thank the USGS Geomagnetism Program for providing the data."
        ),
    },
    "usgs": {
        "name": "USGS ANSS Comprehensive Earthquake Catalog (ComCat), FDSN event service",
        "terms_url": "https://earthquake.usgs.gov/data/comcat/",
        "licence": "U.S. Government work (public domain in the United States); contributing networks "
        "are credited in the catalog",
        "terms": (
            "ComCat is produced by the USGS Earthquake Hazards Program and the ANSS contributing "
            "networks; the USGS asks that it be cited as below."
        ),
        "citation": (
            "U.S. Geological Survey, Earthquake Hazards Program, 2017, Advanced National Seismic System "
            "(ANSS) Comprehensive Catalog of Earthquake Events and Products: Various, "
            "https://doi.org/10.5066/F7MS3QZH."
        ),
    },
    "isc": {
        "name": "International Seismological Centre (ISC) Bulletin, FDSN event service",
        "terms_url": "https://www.isc.ac.uk/citations/",
        "licence": "see the ISC's terms at https://www.isc.ac.uk/ (free for research; cite the Bulletin)",
        "terms": (
            "The ISC Bulletin is free to use for research; the ISC asks that every use cite the Bulletin "
            "(and the ISC's own papers where its methods matter); read the current terms on the ISC web site."
        ),
        "citation": (
            "International Seismological Centre (year of access), On-line Bulletin, "
            "https://doi.org/10.31905/D808B830."
        ),
    },
    "emsc": {
        "name": "Euro-Mediterranean Seismological Centre (EMSC-CSEM), seismicportal.eu FDSN event service",
        "terms_url": "https://www.emsc-csem.org/",
        "licence": "see the EMSC's terms at https://www.emsc-csem.org/ and https://www.seismicportal.eu/",
        "terms": (
            "The EMSC catalog merges parametric data of the contributing networks; read the EMSC's "
            "current terms and acknowledge the EMSC (and its contributing networks) in any publication."
        ),
        "citation": (
            "Earthquake parameters from the Euro-Mediterranean Seismological Centre (EMSC-CSEM, "
            "https://www.emsc-csem.org), retrieved through https://www.seismicportal.eu."
        ),
    },
}


def terms_text(key: str) -> str:
    """The terms and citation of source ``key`` as plain text (``TERMS.txt``).

    Parameters
    ----------
    key : {"intermagnet", "usgs-geomag", "usgs", "isc", "emsc"}
        The source, a key of :data:`TERMS`.

    Returns
    -------
    str
        The source's name, licence, terms of use (a summary, with the address of the
        provider's authoritative page) and how to cite it, as paragraphs.

    Raises
    ------
    KeyError
        An unknown ``key``.
    """
    t = TERMS[key]
    return (
        f"{t['name']}\n\n"
        f"Licence: {t['licence']}\n\n"
        f"Terms of use (summary; the provider's page is authoritative: {t['terms_url']}):\n"
        f"{t['terms']}\n\n"
        f"How to cite / acknowledge:\n{t['citation']}\n"
    )


def terms_summary(key: str) -> str:
    """Three lines for a command's summary."""
    t = TERMS[key]
    return f"terms: {t['licence']} ({t['terms_url']})\ncite: {t['citation']}"
