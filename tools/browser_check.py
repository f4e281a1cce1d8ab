"""Render the experiment report (and the documentation site) in headless Chromium and check what a reader sees.

Each page is opened at a desktop width (1280 px) and a phone width (390 px, mobile emulation: the
page's viewport meta decides its layout) and fails the check on

* horizontal overflow of the page (``document.documentElement.scrollWidth > innerWidth``; the
  elements that stick out are listed),
* broken images (``img.naturalWidth == 0``),
* raw markup in the visible text outside code (``**``, a code fence, a stray backtick, ``<td``,
  ``&lt;`` ...) and maths that was not typeset (``\\(``, ``$$``, or a math element that MathJax
  left as text, e.g. when MathJax could not be loaded offline),
* a table row with more or fewer cells than the table's header (a ``|`` inside inline code
  ending a Markdown cell early),
* a code block wider than its box at a desktop width: Python, doctests and shell lines must fit
  (at a phone width they may scroll); a wide block of program output, a table or a diagram
  scrolls inside its own box and is only noted,
* on the site's pages, a path of the machine that built them (``/home/...``, ``/work/...``,
  ``C:\\Users``...), in code blocks too (the gallery prints what the examples print),
* a request that leaves the machine (pages are opened offline: a script, font or image from a
  CDN is refused and reported, so maths from a CDN MathJax fails here as it would for a reader
  without a network),
* a phone layout wider than the phone (no viewport meta: the page is laid out 980 px wide),
* images without alt text (or with the file name as alt text).

A full-page screenshot of every page at every width goes to ``--out``; ``summary.json`` there holds
the findings. Exit status 0 when every page passes, 1 when one fails, 2 on a usage error.

Needs the ``browser`` dependency group (playwright, driving the system Chromium: Debian packages
``chromium``; ``--chromium`` or ``$CHROMIUM`` to point elsewhere). ``make browser-check`` writes a
demo report (``seisem demo --size tiny``) and checks it, with the docs site when it is built.

    python tools/browser_check.py --demo --out out/browser-check
    python tools/browser_check.py --report out/demo/seisem/run --docs docs/_build/html
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

WIDTHS = (1280, 390)
HEIGHT = 900
# what must not be seen as text outside <pre>/<code>: Markdown and HTML that was not converted
# (a single backtick: inline code whose cell or emphasis ended early; ``\(``, ``\[``, ``$$``: maths
# that was not typeset)
RAW_MARKERS = ("**", "`", "<td", "<th", "<tr", "<p>", "<img", "<div", "&lt;", "&gt;", "&amp;", "](",
               "\\(", "\\[", "$$")  # fmt: skip
# where a page would show the machine that built it: absolute paths of home and work folders
# (and temporary folders that tempfile names: /tmp/tmpab12cd/); /tmp/x written in a command is fine
MACHINE_PATH = r"(?:^|[\s'\"(=:])(?:/(?:home|work|root|Users|private/var|var/folders|builds|github/workspace)/|/tmp/tmp|[A-Za-z]:\\Users\\)"
# a code block may be this much wider than its box at a desktop width (rounding)
CODE_SLACK_PX = 2

# Runs in the page first: lazy images loaded now, and all images settled (loaded or failed)
SETTLE_JS = r"""
async () => {
  for (const i of document.images) i.loading = 'eager';
  await Promise.all([...document.images].map((i) => i.complete ? null :
    new Promise((ok) => { i.addEventListener('load', ok); i.addEventListener('error', ok); })));
  if (document.fonts) await document.fonts.ready;
  // MathJax (the docs site) typesets after the load event: wait for it, at most 20 s
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await Promise.race([window.MathJax.startup.promise, new Promise((ok) => setTimeout(ok, 20000))]);
  }
}
"""

# Runs in the page: the findings of one page at one width (overflow, its culprits, broken images,
# raw markup in visible text outside code).
PAGE_JS = r"""
([markers, machinePath, codeSlack]) => {
  const vw = window.innerWidth;
  const de = document.documentElement;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > vw + 1 && !scrolls(el)) {
      const id = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
      wide.push(id + ' right=' + Math.round(r.right));
    }
  }
  const broken = [...document.images]
    .filter((i) => !i.complete || i.naturalWidth === 0)
    .map((i) => i.getAttribute('src'));
  const base = (s) => (s || '').split('/').pop();
  const no_alt = [...document.images]
    .filter((i) => !(i.getAttribute('alt') || '').trim() || i.getAttribute('alt') === base(i.getAttribute('src')))
    .map((i) => i.getAttribute('src'));
  const skip = new Set(['PRE', 'CODE', 'KBD', 'SAMP', 'SCRIPT', 'STYLE', 'TEXTAREA', 'NOSCRIPT']);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    let hidden = false;
    for (let p = n.parentElement; p; p = p.parentElement) {
      // code, and Python signatures (``**kwargs`` in an API page's signature or summary table)
      if (skip.has(p.tagName) || p.classList.contains('sig') || p.classList.contains('autosummary')) {
        hidden = true;
        break;
      }
    }
    if (hidden || !n.parentElement || !n.parentElement.getClientRects().length) continue;
    // a Python keyword-arguments parameter named on its own (``**kwargs`` in a Parameters list) is
    // not bold that was left unconverted
    const kwargs = /^\s*\*\*[A-Za-z_]\w*\s*$/.test(n.data);
    for (const m of markers) {
      const k = n.data.indexOf(m);
      if (k >= 0 && !(m === '**' && kwargs)) {
        raw.push(JSON.stringify(m) + ' in "' + n.data.slice(Math.max(0, k - 30), k + 30).trim() + '"');
      }
    }
  }
  // maths that MathJax did not typeset (Sphinx wraps it in .math; MathJax puts mjx-container inside)
  const maths = [...document.querySelectorAll('span.math, div.math')];
  const untypeset = maths.filter((m) => !m.querySelector('mjx-container, svg, .katex'))
    .map((m) => m.textContent.trim().slice(0, 60));
  // table rows whose cells (with colspans) do not add up to the header's
  const bad_rows = [];
  for (const t of document.querySelectorAll('table')) {
    const rows = [...t.rows].filter((r) => r.closest('table') === t);
    if (rows.length < 2) continue;
    const width = (r) => [...r.cells].reduce((n, c) => n + (c.colSpan || 1), 0);
    const head = width(rows[0]);
    for (const r of rows.slice(1)) {
      if (width(r) !== head) {
        bad_rows.push(width(r) + ' cells under a ' + head + '-column header: "' +
          r.textContent.trim().replace(/\s+/g, ' ').slice(0, 60) + '"');
      }
    }
  }
  // code blocks wider than their box (they scroll: a reader sees a cut line). Code that a reader
  // runs or copies (Python, doctests, shell) must fit; a block of program output, a table or a
  // diagram (text, or no language) keeps its columns and may scroll inside its own box (a note).
  const runnable = (p) => {
    const box = p.closest('[class*="highlight-"]');
    const cls = box ? box.className : '';
    return /highlight-(python|pycon|ipython\d?|bash|console|shell|sh|shell-session|doscon|ps1)\b/i.test(cls) ||
      /(^|\s)doctest(\s|$)/.test(cls) || /^\s*(>>>|\$ )/.test(p.textContent);
  };
  const wide_code = [];
  const wide_text = [];
  for (const p of document.querySelectorAll('pre')) {
    if (!p.getClientRects().length || p.scrollWidth <= p.clientWidth + codeSlack) continue;
    const longest = p.textContent.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
    const what = p.scrollWidth + ' px in a ' + p.clientWidth + ' px box: "' + longest.trim().slice(0, 60) + '"';
    (runnable(p) ? wide_code : wide_text).push(what);
  }
  // paths of the machine that built the page, anywhere in the visible text (code included)
  const paths = [];
  if (machinePath) {
    const re = new RegExp(machinePath, 'm');
    for (const line of (document.body.innerText || '').split('\n')) {
      if (re.test(line)) paths.push(line.trim().slice(0, 100));
    }
  }
  return {
    scroll_width: de.scrollWidth, inner_width: vw, overflow: de.scrollWidth > vw,
    wide: wide.slice(0, 8), broken_images: broken, no_alt: no_alt, raw_markup: raw.slice(0, 8),
    untypeset_math: untypeset.slice(0, 8), bad_table_rows: bad_rows.slice(0, 8),
    wide_code: wide_code.slice(0, 8), wide_text: wide_text.slice(0, 8), machine_paths: paths.slice(0, 8),
    n_images: document.images.length, n_math: maths.length, height: de.scrollHeight,
  };
}
"""


def find_chromium(given: str | None) -> str:
    """The Chromium executable: ``--chromium``, ``$CHROMIUM``, or ``chromium`` on the PATH."""
    for cand in (
        given,
        os.environ.get("CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if cand and os.path.exists(cand):
            return cand
    raise SystemExit(
        "browser_check: no Chromium found; install it (Debian: apt-get install chromium) or pass "
        "--chromium PATH / set CHROMIUM"
    )


def make_demo(out: Path) -> Path:
    """A demo report (``seisem demo --size tiny``, about a minute on two cores); returns report.html."""
    cmd = [sys.executable, "-m", "seisem", "demo", "--size", "tiny", "--out", str(out), "--no-progress"]
    print("browser_check: writing a demo report:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return out / "run" / "report.html"


def report_page(path: str) -> Path:
    """``report.html`` of a run folder, or the HTML file given."""
    p = Path(path)
    p = p / "report.html" if p.is_dir() else p
    if not p.is_file():
        raise SystemExit(f"browser_check: {p} does not exist (write it with `seisem report RUN`)")
    return p


def docs_pages(root: Path) -> list[Path]:
    """The site's HTML pages (its own pages; not Sphinx's copies of sources and static files)."""
    skip = {"_static", "_sources", "_images", "_downloads", "_modules"}
    return sorted(p for p in root.rglob("*.html") if not skip & set(p.relative_to(root).parts))


def slug(page: Path, base: Path | None) -> str:
    rel = page.relative_to(base) if base else Path(page.parent.name) / page.name
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(rel.with_suffix("")))


def check(pages: list[tuple[str, Path]], out: Path, chromium: str, widths=WIDTHS) -> list[dict]:
    """Open every page at every width; screenshots to ``out``; the findings, one dict per page and width."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit(
            "browser_check: needs playwright (pip install --group browser, or `make browser-check`)"
        ) from None
    out.mkdir(parents=True, exist_ok=True)
    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking"],
        )
        try:
            # offline, as a reader without a network sees it: every request that would leave the
            # machine is refused and reported (a CDN MathJax would pass on a connected machine)
            remote: list[str] = []

            def offline(route, request):
                if request.url.startswith(("file:", "data:", "blob:", "about:")):
                    route.continue_()
                else:
                    remote.append(request.url)
                    route.abort()

            for width in widths:
                phone = width < 700
                ctx = browser.new_context(
                    viewport={"width": width, "height": HEIGHT},
                    is_mobile=phone,
                    has_touch=phone,
                    device_scale_factor=2 if phone else 1,
                )
                ctx.route("**/*", offline)
                page = ctx.new_page()
                for name, path in pages:
                    remote.clear()
                    page.goto(path.resolve().as_uri(), wait_until="load")
                    page.evaluate(SETTLE_JS)
                    # a published page must not show the machine that built it; a report shows the
                    # reader's own folders (where the dataset is), which is what it is for
                    site = name.startswith("docs_")
                    found = page.evaluate(
                        PAGE_JS, [list(RAW_MARKERS), MACHINE_PATH if site else None, CODE_SLACK_PX]
                    )
                    shot = out / f"{name}_{width}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    problems = []
                    if found["inner_width"] > width:
                        problems.append(
                            f"laid out {found['inner_width']} px wide in a {width} px window "
                            "(no <meta name=viewport content='width=device-width'>)"
                        )
                    if found["overflow"]:
                        problems.append(
                            f"page {found['scroll_width']} px wide in a {found['inner_width']} px window"
                            + (f" ({', '.join(found['wide'])})" if found["wide"] else "")
                        )
                    problems += [f"needs the network: {u}" for u in sorted(set(remote))[:8]]
                    problems += [f"broken image {s}" for s in found["broken_images"]]
                    problems += [f"raw markup {r}" for r in found["raw_markup"]]
                    problems += [f"maths not typeset: {m!r}" for m in found["untypeset_math"]]
                    problems += [f"table row with {r}" for r in found["bad_table_rows"]]
                    notes = []
                    if not phone:  # on a phone a long code line scrolls inside its box
                        problems += [f"code block wider than its box: {c}" for c in found["wide_code"]]
                        notes += [f"output/text block scrolls in its box: {c}" for c in found["wide_text"]]
                    problems += [f"a path of the build machine: {p!r}" for p in found["machine_paths"]]
                    problems += [
                        f"image without alt text (or the file name as alt) {s}" for s in found["no_alt"]
                    ]
                    results.append(
                        {
                            "page": name,
                            "file": str(path),
                            "width": width,
                            "screenshot": str(shot),
                            "problems": problems,
                            "notes": notes,
                            **found,
                        }
                    )
                    print(f"{'FAIL' if problems else 'ok  '} {width:>4} px  {name}", flush=True)
                    for pr in problems:
                        print(f"         {pr}", flush=True)
                    for note in notes:
                        print(f"         (note) {note}", flush=True)
                ctx.close()
        finally:
            browser.close()
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", action="append", default=[], help="a run folder or report.html (repeatable)")
    ap.add_argument(
        "--demo", action="store_true", help="write a demo report (seisem demo --size tiny) and check it"
    )
    ap.add_argument("--docs", help="the built site (docs/_build/html); skipped with a note when absent")
    ap.add_argument(
        "--out", default="out/browser-check", help="screenshots and summary.json (default: %(default)s)"
    )
    ap.add_argument(
        "--widths", default=",".join(map(str, WIDTHS)), help="window widths in px (default: %(default)s)"
    )
    ap.add_argument("--chromium", help="the Chromium executable (default: $CHROMIUM or chromium on the PATH)")
    a = ap.parse_args(argv)
    out = Path(a.out)
    try:
        widths = tuple(int(w) for w in a.widths.split(","))
    except ValueError:
        ap.error(f"--widths {a.widths!r}: comma-separated integers, e.g. 1280,390")
    chromium = find_chromium(a.chromium)
    pages = [(f"report_{k}" if k else "report", report_page(r)) for k, r in enumerate(a.report)]
    if a.demo:
        pages.append(("report_demo", make_demo(out / "demo")))
    if a.docs:
        root = Path(a.docs)
        if root.is_dir():
            pages += [(f"docs_{slug(p, root)}", p) for p in docs_pages(root)]
        else:
            print(f"browser_check: {root} is absent (run `make docs`); the site is not checked", flush=True)
    if not pages:
        ap.error("nothing to check: give --report, --demo or --docs")
    results = check(pages, out / "screenshots", chromium, widths)
    failed = [r for r in results if r["problems"]]
    (out / "summary.json").write_text(json.dumps({"chromium": chromium, "results": results}, indent=1))
    print(
        f"browser_check: {len(results) - len(failed)} of {len(results)} page renderings pass "
        f"({len(pages)} pages at {', '.join(map(str, widths))} px); screenshots in {out / 'screenshots'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
