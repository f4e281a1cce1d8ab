from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pandas")
pytest.importorskip("h5py")

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real():
    """The shared real-data folder; tests using it skip when it is absent."""
    if not REAL.is_dir():
        pytest.skip(f"real data folder {REAL} is absent (it lives beside the project, not in it)")
    return REAL


@pytest.fixture(scope="session")
def synth_small(tmp_path_factory):
    """A small synthetic network written to files (module-independent, built once)."""
    from seisem.data import synthesize

    out = tmp_path_factory.mktemp("synth")
    # events spaced 31 days apart: each its own episode (independent unit), so the splits hold several
    paths = synthesize(out, stations=8, events=12, days=380, spacing_days=31, min_magnitude=3.6, seed=2)
    return paths


@pytest.fixture(scope="session")
def small_dataset(synth_small, tmp_path_factory):
    """The small synthetic network built into a dataset (AETA preset), once per session."""
    from seisem.data import BuildConfig, build_dataset
    from seisem.io import read_catalog, read_stations

    out = tmp_path_factory.mktemp("ds")
    manifest = build_dataset(
        read_stations(synth_small["stations"]),
        read_catalog(synth_small["catalog"]),
        synth_small["data"],
        out,
        BuildConfig.preset("aeta", fractions=(0.6, 0.2, 0.2)),
        scheduler="synchronous",
        progress=False,
        input_files={"stations": synth_small["stations"], "catalog": synth_small["catalog"]},
    )
    return out, manifest
