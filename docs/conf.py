"""Sphinx configuration of the chirpstft + seisem documentation site (`make docs`).

Sphinx, because the docstrings are numpydoc (as scipy's, librosa's and ObsPy's, whose users are
ours) and sphinx-gallery runs the examples at build time so that every figure is made by code
that ran. Guide pages are Markdown (MyST), doctested by pytest like the README.
"""

from __future__ import annotations

import importlib
import os
import re
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
    # MathJax 3 from the package, copied into the site: the maths renders offline (no CDN)
    "sphinx-mathjax-offline",
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
    "sg_execution_times.rst",  # left by sphinx-gallery before write_computation_times=False
]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
html_theme = "furo"
# the site's own MathJax (copied to _static/mathjax by sphinx-mathjax-offline), never a CDN
mathjax_path = "mathjax/tex-chtml.js"
html_static_path = ["_static"]
html_css_files = ["custom.css"]  # sidebar names broken at dots, code blocks inside the text column
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
        # alt text: the example's title (sphinx-gallery would make it from the file name)
        return figure_rst(paths, gallery_conf["src_dir"], fig_titles=_example_title(block_vars["src_file"]))


def _example_title(src_file) -> str:
    """The title of an example (the first line of its docstring), for the alt text of its figures."""
    import ast

    doc = ast.get_docstring(ast.parse(Path(src_file).read_text(encoding="utf-8"))) or ""
    return next((line.strip() for line in doc.splitlines() if line.strip()), Path(src_file).stem)


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
    # no page of build timings: a reader has no use for it, and it loads jQuery and DataTables from
    # a CDN (the site works offline)
    "write_computation_times": False,
}

# the link check covers the site's own pages and anchors; the outside world is not CI's business
linkcheck_ignore = [r"https?://.*"]


# -- readable signatures ---------------------------------------------------------------------------------
# A dataclass field with a default_factory shows as ``<factory>`` in the generated __init__'s
# signature; the page shows what the factory makes instead (``notes=[]``, ``qc=QCConfig()``).
# A default that is one of its module's named constants and would print as a long string (a regular
# expression, its backslashes doubled by repr) shows as the constant's name: ``name_pattern=NAME_PATTERN``.
def _factory_text(factory) -> str:
    if factory in (list, dict, set, tuple):
        return repr(factory())
    return f"{getattr(factory, '__name__', 'factory')}()"


def _constant_defaults(obj, signature: str) -> str:
    import inspect

    try:
        params = inspect.signature(obj).parameters.values()
        constants = vars(inspect.getmodule(obj))
    except (TypeError, ValueError):
        return signature
    for p in params:
        d = p.default
        if not (isinstance(d, str) and ("\\" in d or len(d) > 40)):
            continue
        name = next((k for k, v in constants.items() if v is d and k.isupper()), None)
        if name:
            signature = signature.replace(f"{p.name}={d!r}", f"{p.name}={name}")
    return signature


def _readable_signature(app, what, name, obj, options, signature, return_annotation):
    import dataclasses
    import inspect

    if signature and what in ("function", "method") and "\\\\" in signature:
        return _constant_defaults(obj, signature), return_annotation
    if not signature or "<factory>" not in signature:
        return None
    if what == "method" and name.endswith(".__init__"):  # the class's signature comes from here too
        module, _, qualname = name.rpartition(".__init__")[0].partition(".")
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part, None)
    if not dataclasses.is_dataclass(obj):
        return None

    class Shown:  # a default as the page shows it
        def __init__(self, text):
            self.text = text

        def __repr__(self):
            return self.text

    factories = {f.name: f.default_factory for f in dataclasses.fields(obj)}
    params = []
    for p in inspect.signature(obj).parameters.values():
        p = p.replace(annotation=inspect.Parameter.empty)  # autodoc_typehints = "none"
        if factories.get(p.name, dataclasses.MISSING) is not dataclasses.MISSING:
            p = p.replace(default=Shown(_factory_text(factories[p.name])))
        params.append(p)
    return str(inspect.Signature(params)), return_annotation


# A configuration dataclass whose fields carry their command-line help (``seisem._options.option``:
# BuildConfig, QCConfig) gets its Parameters section from that help, so that the page and
# ``seisem build --help`` say the same thing, written once.
def _dataclass_docstring(app, what, name, obj, options, lines):
    import dataclasses

    if what != "class" or not dataclasses.is_dataclass(obj):
        return
    if (obj.__doc__ or "").startswith(obj.__name__ + "("):
        # no docstring: dataclasses wrote the signature with its annotations there, which the
        # page already shows above (readably)
        lines.clear()
    if "Parameters" in lines:
        return
    fields = dataclasses.fields(obj)
    if not any("help" in f.metadata for f in fields):
        return
    out = ["", "Parameters", "----------"]
    for f in fields:
        meta = f.metadata
        if meta.get("choices"):
            kind = "{" + ", ".join(repr(c) for c in meta["choices"]) + "}"
        else:
            kind = str(f.type).replace("'", "")
        if f.default is not dataclasses.MISSING:
            kind += f", default {f.default!r}"
        elif f.default_factory is not dataclasses.MISSING:
            kind += f", default {_factory_text(f.default_factory)}"
        out.append(f"{f.name} : {kind}")
        if not meta.get("help"):
            continue  # a field that is not a command-line option (``qc``): its type says what it is
        text = meta["help"][0].upper() + meta["help"][1:]
        for special in "*|`":  # help text is plain text, the section reStructuredText
            text = text.replace(special, "\\" + special)
        # options named in the text as code (plain, "--" would be set as a dash)
        text = re.sub(r"(?<![\w-])(--[a-z][a-z0-9-]*)", r"``\1``", text)
        flag = meta.get("flag") or "--" + f.name.replace("_", "-")
        out.append(f"    {text} (command line: ``{flag}``)")
    lines.extend(out)


# -- names that break at dots and underscores, not inside a word --------------------------------------
# Qualified names (``seisem.controls.skill.skill_beyond_activity``) are one long word to a browser, so a
# narrow sidebar or phone breaks them anywhere; a <wbr> after each dot and underscore of the navigation's
# link texts and of the page title gives them their natural break points.
_TEXT = re.compile(r">([^<>]+)<")
_H1 = re.compile(r"(<h1[^>]*>)(.*?)(</h1>)", re.S)


def _breakable(html: str) -> str:
    return _TEXT.sub(
        lambda m: ">" + re.sub(r"(?<=\w)([._])(?=[A-Za-z_])", r"\1<wbr>", m.group(1)) + "<", html
    )


# the gallery's thumbnails come with an empty alt text: they get their example's title
_THUMB = re.compile(
    r'(<div class="sphx-glr-thumbcontainer"[^>]*>)<img alt="" (src="[^"]*" />\s*<p><a [^>]*>'
    r'<span class="doc">([^<]*)</span>)'
)


def _page_fixes(app, pagename, templatename, context, doctree):
    if isinstance(context.get("furo_navigation_tree"), str):
        context["furo_navigation_tree"] = _breakable(context["furo_navigation_tree"])
    if isinstance(context.get("body"), str) and pagename.endswith("gallery/index"):
        context["body"] = _THUMB.sub(r'\1<img alt="\3" \2', context["body"])
    if isinstance(context.get("body"), str):
        context["body"] = _H1.sub(lambda m: _breakable(m.group(1) + m.group(2)) + m.group(3), context["body"])


def setup(app):
    # before numpydoc's handler, which would return the signature that dataclasses wrote as the
    # docstring of a class without one (the first result wins)
    app.connect("autodoc-process-signature", _readable_signature, priority=400)
    # before numpydoc (priority 500), which parses the section
    app.connect("autodoc-process-docstring", _dataclass_docstring, priority=400)
    # after furo's own handler (priority 500), which computes the navigation tree
    app.connect("html-page-context", _page_fixes, priority=900)
