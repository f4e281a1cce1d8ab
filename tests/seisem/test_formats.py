"""The sampling interval read from the files, the STFT geometry that follows the samples per day,
the one table of formats, and the real AETA competition month built with the defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seisem import ParameterError
from seisem.cli import _config_values, build_parser, main
from seisem.data import BuildConfig, QCConfig, build_dataset
from seisem.data.config import PRESETS, stft_geometry
from seisem.data.formats import FORMATS, common_interval, probe_file
from seisem.io import read_catalog, read_stations


def test_geometry_follows_the_samples_per_day():
    assert stft_geometry(1440) == (128, 16)  # the paper's days keep today's values
    assert stft_geometry(144) == (16, 2)  # 10-minute AETA features
    assert stft_geometry(288) == (32, 4)
    assert stft_geometry(86400) == (8192, 1024)
    assert stft_geometry(8) == (8, 1)
    with pytest.raises(ParameterError, match="too few"):
        stft_geometry(4)
    cfg = BuildConfig(interval_s=600)
    assert (cfg.n_fft, cfg.hop_length, cfg.samples_per_day) == (16, 2, 144)
    assert BuildConfig(interval_s=60, n_fft=64).hop_length == 8  # a given n_fft: hop n_fft/8
    assert BuildConfig(interval_s=60, hop_length=4).n_fft == 128


def test_a_given_interval_that_disagrees_with_the_files_stops():
    assert BuildConfig().interval_s is None and not BuildConfig().resolved
    assert BuildConfig().resolve(600.0).n_fft == 16
    assert BuildConfig(interval_s=600).resolve(600.0).interval_s == 600.0
    with pytest.raises(ParameterError, match=r"interval_s=60 .*600 s apart"):
        BuildConfig(interval_s=60).resolve(600.0)
    with pytest.raises(ParameterError, match="interval_s"):
        _ = BuildConfig().samples_per_day  # unresolved: says what to do, never a guess


def test_every_format_in_one_table():
    assert set(FORMATS) == {"aeta", "iaga2002", "obspy"}
    assert BuildConfig(format="aeta").tz == "+08:00" and BuildConfig(format="iaga2002").tz == "UTC"
    assert BuildConfig(format="aeta", tz="UTC").tz == "UTC"
    assert set(PRESETS) <= set(FORMATS)
    assert "10 minutes" in PRESETS["aeta"]["says"] and "abs_mean" in PRESETS["aeta"]["says"]
    assert BuildConfig.preset("aeta").feature == "abs_mean"


def _decimate(src_dir, dst_dir, step_s=600):
    """The synthetic 60 s AETA files, every 10th row: files at 600 s."""
    os.makedirs(dst_dir, exist_ok=True)
    for name in os.listdir(src_dir):
        df = pd.read_csv(os.path.join(src_dir, name), dtype={"StationID": str})
        df[df["TimeStamp"] % step_s == 0].to_csv(os.path.join(dst_dir, name), index=False)


@pytest.fixture(scope="module")
def ten_minute(synth_small, tmp_path_factory):
    out = tmp_path_factory.mktemp("aeta600")
    _decimate(synth_small["data"], out / "data")
    return synth_small, out


def test_the_interval_comes_from_the_time_stamps(ten_minute, tmp_path):
    syn, d600 = ten_minute
    name = sorted(os.listdir(d600 / "data"))[0]
    assert probe_file(str(d600 / "data" / name), "aeta").interval_s == 600.0
    assert probe_file(os.path.join(syn["data"], name), "aeta").interval_s == 60.0
    st, cat = read_stations(syn["stations"]), read_catalog(syn["catalog"])
    m = build_dataset(
        st,
        cat,
        d600 / "data",
        tmp_path / "ds",
        BuildConfig(fractions=(0.6, 0.2, 0.2)),
        scheduler="synchronous",
        progress=False,
    )
    assert m["config"]["interval_s"] == 600.0 and m["samples_per_day"] == 144
    assert m["geometry"] == {**m["geometry"], "interval_s": 600.0, "n_fft": 16, "hop_length": 2, "frames": 73}
    assert "time stamps" in m["interval"]["from"] and m["counts"]["samples"] > 100
    with pytest.raises(ParameterError, match=r"interval_s=60 .*600 s apart"):
        build_dataset(
            st,
            cat,
            d600 / "data",
            tmp_path / "ds2",
            BuildConfig(interval_s=60.0),
            scheduler="synchronous",
            progress=False,
        )
    assert not (tmp_path / "ds2").exists()  # stopped before writing anything


def test_files_at_different_intervals_are_named(ten_minute, tmp_path):
    syn, d600 = ten_minute
    names = sorted(os.listdir(d600 / "data"))
    infos = {
        str(d600 / "data" / names[0]): probe_file(str(d600 / "data" / names[0]), "aeta"),
        os.path.join(syn["data"], names[1]): probe_file(os.path.join(syn["data"], names[1]), "aeta"),
    }
    with pytest.raises(ParameterError, match=rf"60 s: {names[1]}; 600 s: {names[0]}"):
        common_interval(infos)
    header_only = tmp_path / "999_magn.csv"
    header_only.write_text("StationID,TimeStamp,magn@abs_mean\n")
    assert probe_file(str(header_only), "aeta").interval_s is None  # does not vote
    assert common_interval({str(header_only): probe_file(str(header_only), "aeta")}) is None


def test_cli_states_the_interval_and_geometry(ten_minute, tmp_path, capsys):
    syn, d600 = ten_minute
    args = [
        "build",
        "--stations",
        syn["stations"],
        "--catalog",
        syn["catalog"],
        "--data",
        str(d600 / "data"),
        "--out",
        str(tmp_path / "ds"),
        "--no-progress",
        "--fractions",
        "0.6,0.2,0.2",
        "--scheduler",
        "synchronous",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "sampling interval 600 s (the time stamps of" in out and "n_fft=16, hop_length=2" in out
    assert main([*args[:-2], "--interval-s", "60", "--out", str(tmp_path / "ds2")]) == 2
    err = capsys.readouterr().err
    assert "interval_s=60" in err and "600 s apart" in err


def test_build_options_are_the_config_fields():
    """Each `seisem build` option's default is the BuildConfig/QCConfig field's (written once)."""
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["build"]
    args = sub.parse_args(["--data", "x", "--out", "y"])
    values = {**_config_values(args, BuildConfig), **_config_values(args, QCConfig)}
    defaults = {**BuildConfig.defaults(), **QCConfig().to_dict()}
    assert len(values) >= 40
    for name, value in values.items():
        assert value == defaults[name], name
    assert BuildConfig(**{**_config_values(args, BuildConfig), "qc": QCConfig()}) == BuildConfig()


REAL_MONTH = "aeta/dec2020"


def test_real_aeta_month_builds_with_the_defaults(real, tmp_path, capsys):
    """The real competition files (10-minute rows, China-time days) build with no --interval-s."""
    folder = real / REAL_MONTH
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    cenc = real / "catalogs" / "cenc_eqList-day_2020-11_2021-01.xls"
    args = [
        "build",
        "--stations",
        str(real / "aeta" / "StationInfo.csv"),
        "--catalog",
        str(cenc),
        "--data",
        str(folder),
        "--format",
        "aeta",
        "--max-distance-km",
        "dobrovolsky",
        "--min-magnitude",
        "3.0",
        "--out",
        str(tmp_path / "ds"),
        "--no-progress",
        "--on-bad-split",
        "warn",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "sampling interval 600 s" in out
    m = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert m["config"]["interval_s"] == 600.0 and m["config"]["tz"] == "+08:00"
    assert m["geometry"]["n_fft"] == 16 and m["counts"]["samples"] > 0
    assert np.isfinite(m["counts"]["samples"])


def test_aeta_example_runs_small(real, tmp_path):
    """The real-month example end to end (tiny images, one epoch): interval read, verdict given."""
    pytest.importorskip("keras")
    if not (real / REAL_MONTH).is_dir():
        pytest.skip("the real AETA month is absent")
    example = Path(__file__).resolve().parents[2] / "examples" / "aeta_dec2020.py"
    args = [
        "--out",
        str(tmp_path / "a"),
        "--epochs",
        "1",
        "--size",
        "16,16",
        "--no-filters",
        "--n-perm",
        "50",
        "--data",
        str(real),
    ]
    r = subprocess.run([sys.executable, str(example), *args], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "sampling interval 600 s" in r.stdout and "n_fft=16 hop_length=2" in r.stdout
    assert "cannot tell at this size" in r.stdout and "one episode" in r.stdout
    assert "absl::InitializeLog" not in r.stderr  # TensorFlow's start-up lines are off
