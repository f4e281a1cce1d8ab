"""Issue 15: every misuse of the ``seisem`` command ends in one line naming the option and a fix, exit 2."""

from __future__ import annotations

import pytest

from seisem.cli import main


@pytest.fixture(scope="module")
def files(synth_small, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("misuse")
    afile = tmp / "afile"
    afile.write_text("x")
    return synth_small, tmp, afile


def _build(paths, out, *extra, stations=None, catalog=None, data=None):
    return [
        "build",
        "--format",
        "aeta",
        "--data",
        str(data or paths["data"]),
        "--stations",
        str(stations or paths["stations"]),
        "--catalog",
        str(catalog or paths["catalog"]),
        "--out",
        str(out),
        "--no-progress",
        "--scheduler",
        "synchronous",
        *extra,
    ]


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("stations-dir", "--stations"),
        ("catalog-dir", "--catalog"),
        ("out-under-file", "--out"),
        ("out-is-file", "--out"),
        ("out-proc", "--out"),
        ("size", "--size"),
        ("fractions", "--fractions"),
        ("scheduler", "--scheduler"),
        ("interval", "--interval-s"),
        ("nfft", "--n-fft"),
        ("chirp", "--chirp-rate"),
        ("cmap", "--cmap"),
        ("data-is-csv", "--data"),
    ],
)
def test_misuse_gives_one_line_and_exit_2(files, case, match, capsys):
    paths, tmp, afile = files
    out = tmp / f"out-{case}"
    argv = {
        "stations-dir": _build(paths, out, stations=tmp),
        "catalog-dir": _build(paths, out, catalog=tmp),
        "out-under-file": _build(paths, afile / "x"),
        "out-is-file": _build(paths, afile),
        "out-proc": _build(paths, "/proc/x"),
        "size": _build(paths, out, "--size", "abc"),
        "fractions": _build(paths, out, "--fractions", "1,x"),
        "scheduler": _build(paths, out, "--scheduler", "bogus"),
        "interval": _build(paths, out, "--interval-s", "0"),
        "nfft": _build(paths, out, "--n-fft", "0"),
        "chirp": _build(paths, out, "--chirp-rate", "fast"),
        "cmap": _build(paths, out, "--cmap", "nope"),
        "data-is-csv": _build(paths, out, "--on-bad-split", "warn", data=paths["catalog"]),
    }[case]
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert "Traceback" not in "\n".join(err)
    assert match in err[-1], err[-1]
    assert err[-1].startswith("seisem build: error:")


@pytest.mark.parametrize(
    ("case", "found"),
    [
        ("data-is-csv", "1 not aeta station file(s) (catalog.csv)"),
        (
            "wrong-format",
            "8 not iaga2002 station file(s) (101_magn.csv, 102_magn.csv, 103_magn.csv and 5 more)",
        ),
        ("unpaired-stations", "1 aeta file(s) of unpaired station(s) 999"),
    ],
)
def test_build_that_would_produce_no_sample_stops_before_writing(files, case, found, capsys):
    """A wrong --data or --format finds no file of any paired station: one line saying what it
    found instead, exit 2, and no output folder (it used to write an empty dataset first)."""
    paths, tmp, _ = files
    out = tmp / f"nothing-{case}"
    other = tmp / "other-station"
    other.mkdir(exist_ok=True)
    (other / "999_magn.csv").write_text("StationID,TimeStamp,magn@abs_mean\n")
    argv = {
        "data-is-csv": _build(paths, out, "--on-bad-split", "warn", data=paths["catalog"]),
        "wrong-format": _build(paths, out, "--on-bad-split", "warn", "--format", "iaga2002"),
        "unpaired-stations": _build(paths, out, "--on-bad-split", "warn", data=other),
    }[case]
    rc = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1 and err[0].startswith("seisem build: error:"), err
    assert (
        "(--data)" in err[0]
        and "(--format)" in err[0]
        and found in err[0]
        and "Nothing was written" in err[0]
    )
    assert not out.exists()
