"""Sphinx configuration of the chirpstft + seisem documentation site (`make docs`).

Sphinx, because the docstrings are numpydoc (as scipy's, librosa's and ObsPy's, whose users are
ours) and sphinx-gallery runs the examples at build time so that every figure is made by code
that ran. Guide pages are Markdown (MyST), doctested by pytest like the README.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sphinx_gallery.scrapers import figure_rst

import chirpstft
import seisem

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
project = "chirpstft + seisem"
author = "chirpstft developers"
copyright = "2026, the chirpstft and seisem developers"
version = release = chirpstft.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = [
    "_build",
    "gallery/*.ipynb",
    "gallery/*.py",
    "gallery/*.md5",
    "gallery/*.codeobj.json",
    "gallery/*.zip",
    "**/sg_execution_times.rst",
]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
html_theme = "furo"
html_title = f"chirpstft {chirpstft.__version__} + seisem {seisem.__version__}"
templates_path: list[str] = []
# sphinx-gallery's configuration holds functions (the argv and the scraper below), which Sphinx cannot
# pickle into its environment cache; `make docs` builds from scratch every time anyway
suppress_warnings = ["config.cache"]

autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# -- the gallery: the repository's examples, run at build time -------------------------------------
# The examples are command-line scripts that save their figure with --out; the gallery runs each with
# --out pointing into the build, then picks up the PNG files it wrote (one scraper, below), so the
# figures on the site are made by the same code a user runs.
_GALLERY_OUT = ROOT / "docs" / "_build" / "gallery-out"
_GALLERY_ARGS = {
    # script stem -> its arguments (what it writes goes under _GALLERY_OUT/<stem>/)
    "render_figure": lambda out: ["--out", str(out / "render_demo.png")],
    "auto_chirp_figure": lambda out: ["--out", str(out / "auto_chirp.png")],
    "chirp_demo": lambda out: ["--out", str(out)],
}


def _argv(gallery_conf, script_vars):
    stem = Path(script_vars["src_file"]).stem
    out = _GALLERY_OUT / stem
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return _GALLERY_ARGS[stem](out)


class _WrittenPNGs:
    """Scraper: the PNG files a gallery script wrote under its --out folder."""

    def __repr__(self) -> str:  # sphinx-gallery caches on the repr
        return "WrittenPNGs"

    def __call__(self, block, block_vars, gallery_conf):
        out = _GALLERY_OUT / Path(block_vars["src_file"]).stem
        done = block_vars.setdefault("_written_pngs", set())
        paths = []
        for png in sorted(out.glob("**/*.png")):
            if png in done:
                continue
            done.add(png)
            target = Path(next(block_vars["image_path_iterator"]))
            shutil.copyfile(png, target)
            paths.append(target)
        return figure_rst(paths, gallery_conf["src_dir"])


sphinx_gallery_conf = {
    "examples_dirs": [str(ROOT / "examples")],
    "gallery_dirs": ["gallery"],
    # small, CPU-only examples; tohoku_2011.py needs the shared real data and trains a model
    "filename_pattern": r"/(render_figure|auto_chirp_figure|chirp_demo)\.py$",
    "ignore_pattern": r"(tohoku_2011|aeta_dec2020|__init__)\.py$",
    "reset_argv": _argv,
    "image_scrapers": (_WrittenPNGs(),),
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "within_subsection_order": "FileNameSortKey",
}

# the link check covers the site's own pages and anchors; the outside world is not CI's business
linkcheck_ignore = [r"https?://.*"]
