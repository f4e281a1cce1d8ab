"""The science checks: the controls' positive and negative cases with the CNN, over several seeds.

Each case trains the improved VGG on a synthetic network (``seisem demo --size small``, about
1-2 minutes on a 2-core CPU), so the suite takes tens of minutes: ``make check-science`` runs
it (``.ci/run`` calls it after ``make test``); plain ``pytest tests`` skips it.
"""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SEISEM_SCIENCE") == "1":
        return
    skip = pytest.mark.skip(reason="science checks run with `make check-science` (SEISEM_SCIENCE=1)")
    for item in items:
        if "tests/science" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)
