"""Export the colormap lookup tables that chirpstft ships (run with matplotlib installed).

The perceptually uniform maps viridis, magma, inferno, plasma and cividis were released
by their authors under CC0; chirpstft keeps their 256-entry RGB tables in
``src/chirpstft/_colormaps.npz`` so rendering gives identical results with or without
matplotlib installed (``tests/test_render.py`` checks them against matplotlib).

Usage: python tools/export_colormaps.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

NAMES = ("viridis", "magma", "inferno", "plasma", "cividis")
OUT = Path(__file__).resolve().parents[1] / "src" / "chirpstft" / "_colormaps.npz"


def main() -> None:
    tables = {name: matplotlib.colormaps[name](np.linspace(0.0, 1.0, 256))[:, :3] for name in NAMES}
    tmp = OUT.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **tables)
    tmp.replace(OUT)  # atomic: readers never see a partial file
    print(f"wrote {OUT} ({', '.join(NAMES)}; matplotlib {matplotlib.__version__})")


if __name__ == "__main__":
    main()
