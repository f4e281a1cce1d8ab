"""What a reader of ``report.html`` gets (issue 28): a page for phones and desktops, tables in their
own scroll box with left-aligned row labels, one name per metric, figures with a heading, alt text
and a caption, no raw Markdown. Fast: the report is written (without the filter images, which need
Keras) from a stored run of ``seisem demo --size tiny`` (tests/seisem/data/report_run); the browser
itself is ``make browser-check`` (tools/browser_check.py)."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from seisem.report import _html, write_report

RUN = Path(__file__).parent / "data" / "report_run"
RAW = ("**", "```", "<td", "<th", "&lt;", "&gt;", "](", "![")


class Page(HTMLParser):
    """The parts of a page that the checks need: the tag stack of every table and image, text outside
    <code>, the head's meta tags."""

    def __init__(self):
        super().__init__()
        self.stack, self.tables, self.images, self.metas, self.text = [], [], [], [], []
        self.figures, self.captions, self.headers = [], [], []
        self._in_code = 0
        self._cap = None
        self._th = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta":
            self.metas.append(a)
        elif tag == "table":
            self.tables.append([(t, dict(at)) for t, at in self.stack])
        elif tag == "img":
            self.images.append((a, [t for t, _ in self.stack]))
        elif tag == "figcaption":
            self._cap = []
        elif tag == "th":
            self._th = []
        if tag == "code":
            self._in_code += 1
        if tag not in ("meta", "img", "br", "link"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag):
        if tag == "code":
            self._in_code -= 1
        if tag == "figcaption":
            self.captions.append("".join(self._cap))
            self._cap = None
        if tag == "th" and self._th is not None:
            self.headers.append("".join(self._th))
            self._th = None
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if not self._in_code:
            self.text.append(data)
        if self._cap is not None:
            self._cap.append(data)
        if self._th is not None:
            self._th.append(data)


def parse(html: str) -> Page:
    p = Page()
    p.feed(html)
    p.close()
    return p


def assert_reads_well(html: str) -> Page:
    """The checks a report page must pass (shared with the report test on a freshly trained run)."""
    page = parse(html)
    assert any(
        m.get("name") == "viewport" and "width=device-width" in m.get("content", "") for m in page.metas
    ), "no viewport meta: a phone lays the page out 980 px wide"
    assert page.tables, "the report has tables"
    for stack in page.tables:
        assert any(t == "div" and "table-wrap" in a.get("class", "") for t, a in stack), (
            "a table outside its scroll box"
        )
    assert ".table-wrap{overflow-x:auto" in html
    assert page.images, "the report has figures"
    assert len(page.captions) == len(page.images)
    for attrs, stack in page.images:
        alt = attrs.get("alt", "").strip()
        assert alt and alt != attrs["src"] and len(alt) > 20, f"{attrs['src']}: no real alt text ({alt!r})"
        assert "figure" in stack, f"{attrs['src']}: not in a <figure> with its caption"
    text = "".join(page.text)
    for marker in RAW:
        assert marker not in text, f"raw markup {marker!r} in the report's text"
    return page


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    run = tmp_path_factory.mktemp("report") / "run"
    shutil.copytree(RUN, run)
    out = write_report(run, filters=False, progress=False)
    return run, out


def test_report_html_reads_on_phone_and_desktop(report):
    run, out = report
    html = Path(out["html"]).read_text()
    page = assert_reads_well(html)
    # each figure: a heading right before it, and a caption that says what to look for
    for f in out["figures"]:
        assert (run / f).stat().st_size > 1000
        assert re.search(rf"<h3>[^<]+</h3>\s*<figure><img src='{re.escape(f)}'", html), f
    assert all(c.startswith("Look for") for c in page.captions)
    assert {"loss.png", "accuracy.png", "superposed_epoch.png", "molchan.png"} <= set(out["figures"])


def test_report_one_name_per_metric_and_readable_numbers(report):
    _, out = report
    html = Path(out["html"]).read_text()
    md = Path(out["markdown"]).read_text()
    page = parse(html)
    assert "balanced accuracy" in page.headers and "ROC AUC" in page.headers
    for raw in ("balanced_accuracy", "roc_auc", "logistic band power", "\nbaseline: "):
        assert raw not in "".join(page.text), raw
    # no sentence in a table cell: the "not estimable" interval is a paragraph of its own
    assert not re.search(r"^\|[^\n]*not estimable", md, re.M)
    assert "95 % intervals of the model's metrics: not estimable" in md
    # percentiles as whole numbers, no four-decimal p-values
    assert "100.000" not in md and not re.search(r"\b\d\.\d{4}\b", md)
    # row labels are row headers, left-aligned; number columns right-aligned
    assert "<th scope='row'>model</th>" in html and "text-align:left" in html
    assert re.search(r"<td class='num'>0\.\d{3}</td>", html)


def test_report_says_which_computation_gave_each_number(report):
    """The pseudo-event table shows the dataset-split baseline beside the fast pipeline's refit and
    says which is which; the dataset-split number is the metrics table's."""
    run, out = report
    md = Path(out["markdown"]).read_text()
    m = json.loads((run / "metrics.json").read_text())
    table = md[md.index("| baseline | dataset's split | fast pipeline |") :]
    row = next(ln for ln in table.splitlines() if ln.startswith("| band-power baseline | "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == f"{m['baselines']['logistic_band_power']['balanced_accuracy']:.3f}"
    assert cells[2] == f"{m['pseudo_events']['logistic_band_power']['real']:.3f}"
    assert "*dataset's split* is the same baseline as in the metrics table" in md
    assert "*fast pipeline* is this control's own refit" in md
    # the activity source's explanation appears once
    why = m["confound"]["activity"]["why"]
    assert md.count(why[1:]) == 1


def test_report_interval_row_when_estimable(report, tmp_path):
    run, _ = report
    run2 = tmp_path / "run"
    shutil.copytree(run, run2)
    m = json.loads((run2 / "metrics.json").read_text())
    names = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "mcc", "roc_auc")
    m["ci"] = {"level": 0.95, "method": "jackknife-t", "n_units": 12, **{n: [0.41, 0.73] for n in names}}
    (run2 / "metrics.json").write_text(json.dumps(m))
    out = write_report(run2, filters=False, progress=False)
    md = Path(out["markdown"]).read_text()
    assert "| model, 95 % interval | 0.410–0.730 |" in md
    assert "jackknife-t over 12 independent episodes" in md
    assert_reads_well(Path(out["html"]).read_text())


def test_html_converter_inline_markup_and_lists():
    html = _html(
        "# t\n\n**Verdict: x.** a `path/to` and *which* one\n- first\n- second\n\n"
        "| | a | b |\n|---|---|---|\n| row | 0.5 | 1–2 |\n\n![what it shows](f.png)\n*Look for this.*\n"
    )
    assert (
        "<strong>Verdict: x.</strong>" in html and "<code>path/to</code>" in html and "<em>which</em>" in html
    )
    assert "<ul><li>first</li><li>second</li></ul>" in html
    assert "<div class='table-wrap'><table>" in html and "<td class='num'>1–2</td>" in html
    assert (
        "<figure><img src='f.png' alt='what it shows'><figcaption>Look for this.</figcaption></figure>"
        in html
    )
    assert "**" not in html and "`" not in html
