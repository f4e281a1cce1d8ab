"""The synthetic generator and the dataset build: validity, splits, determinism, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from seisem import ParameterError, ReadError, SplitError
from seisem.cli import main
from seisem.data import BuildConfig, SeisemDataset, build_dataset, synthesize
from seisem.io import read_catalog, read_stations

ROOT = Path(__file__).resolve().parents[2]
#: The small network's 12 episodes: a test split of 20 % holds two or three of them.
FRACTIONS = (0.6, 0.2, 0.2)


def _build(paths, out, **kw):
    cfg = BuildConfig.preset("aeta", **{"fractions": FRACTIONS, **kw})
    return build_dataset(
        read_stations(paths["stations"]),
        read_catalog(paths["catalog"]),
        paths["data"],
        out,
        cfg,
        scheduler="synchronous",
        progress=False,
        input_files={"stations": paths["stations"], "catalog": paths["catalog"]},
    )


@pytest.fixture(scope="module")
def built(small_dataset):
    return small_dataset


def test_synth_files_are_readable_and_realistic(synth_small):
    st = read_stations(synth_small["stations"])
    cat = read_catalog(synth_small["catalog"])
    assert len(st) == 8 and len(cat) == 12
    assert cat.attrs["report"].n_dropped == 0  # Time (UTC+8) and Timestamp agree
    raw = pd.read_csv(Path(synth_small["data"]) / "101_magn.csv")
    assert list(raw.columns) == ["StationID", "TimeStamp", "magn@abs_mean", "magn@var"]
    assert raw["TimeStamp"].duplicated().sum() == 3  # a few rows sent twice
    assert len(raw) < 380 * 1440 + 3  # gaps are missing rows
    truth = pd.read_csv(synth_small["truth"])
    assert len(truth) > 0 and (truth["bursts"] >= 1).all()


def test_synth_same_seed_same_bytes(tmp_path):
    a = synthesize(tmp_path / "a", stations=2, events=3, days=40, seed=5)
    b = synthesize(tmp_path / "b", stations=2, events=3, days=40, seed=5)
    c = synthesize(tmp_path / "c", stations=2, events=3, days=40, seed=6)
    for key in ("stations", "catalog", "truth"):
        assert Path(a[key]).read_bytes() == Path(b[key]).read_bytes()
    fa = sorted(Path(a["data"]).iterdir())
    assert [f.read_bytes() for f in fa] == [f.read_bytes() for f in sorted(Path(b["data"]).iterdir())]
    assert fa[0].read_bytes() != sorted(Path(c["data"]).iterdir())[0].read_bytes()
    with pytest.raises(ParameterError, match="days=10 is too short"):
        synthesize(tmp_path / "d", days=10)
    with pytest.raises(ParameterError, match="precursor='sine'"):
        synthesize(tmp_path / "d", precursor="sine")


def test_dataset_is_valid(built):
    out, manifest = built
    ds = SeisemDataset(out)
    meta = ds.metadata
    assert len(ds) == manifest["counts"]["samples"] > 50
    for col in (
        "station_code",
        "station_latitude_deg",
        "station_longitude_deg",
        "source_id",
        "source_magnitude",
        "source_origin_time",
        "path_distance_km",
        "trace_start_time",
        "label",
        "qc_status",
        "qc_missing_fraction",
        "split",
    ):
        assert col in meta.columns
    assert set(meta["label"]) == {0, 1} and (meta["qc_status"] == "ok").all()
    assert (meta["path_distance_km"] < 75).all() and (meta["source_magnitude"] >= 3.6).all()
    assert set(meta["split"]) == {"train", "dev", "test"}
    # the day window starts at local midnight UTC+8 (16:00 UTC)
    assert meta["trace_start_time"].str.endswith("T16:00:00Z").all()
    x = ds.images()
    assert x.shape == (len(ds), 32, 32, 3) and x.dtype == np.uint8
    s = ds.series([0, 3])
    assert s.shape == (2, 1440) and s.min() >= 0 and s.max() <= 1
    assert ds.test().images().shape[0] == (meta["split"] == "test").sum()
    img, lab = ds[5]
    np.testing.assert_array_equal(img, x[5])
    assert lab == meta["label"].iloc[5]
    rej = pd.read_csv(out / "rejected.csv")
    assert (rej["qc_status"] != "ok").all()
    assert sum(manifest["counts"]["rejected"].values()) == len(rej)
    for name, info in manifest["inputs"].items():
        if name != "data":
            assert len(info["sha256"]) == 64
    assert manifest["inputs"]["data"]  # every series file hashed
    # the images are what chirpstft.render makes of the stored series
    import chirpstft

    cfg = manifest["config"]
    again = chirpstft.render(
        ds.series([7]),
        fs=1 / 60,
        n_fft=cfg["n_fft"],
        hop_length=cfg["hop_length"],
        chirp_rate=cfg["chirp_rate"],
        size=(32, 32),
        cmap="viridis",
        top_db=cfg["top_db"],
    )
    assert np.abs(again.astype(int) - x[7:8]).max() <= 1
    with pytest.raises(ParameterError, match="'nope' is not a metadata column"):
        ds.filter(nope=1)


def test_no_group_in_two_splits(built):
    out, _ = built
    meta = SeisemDataset(out).metadata
    # event split: every event id, and every linked group, lives in one split
    ev_split = {}
    for ids, split in zip(meta["source_ids"], meta["split"], strict=True):
        for e in ids.split(";"):
            ev_split.setdefault(e, set()).add(split)
    assert all(len(s) == 1 for s in ev_split.values())
    assert (meta.groupby("split_group")["split"].nunique() == 1).all()


@pytest.mark.parametrize("by", ["time", "station"])
def test_other_split_modes(synth_small, tmp_path, by):
    _build(synth_small, tmp_path, split_by=by, block_days=10, fractions=(0.5, 0.25, 0.25))
    meta = SeisemDataset(tmp_path).metadata
    key = "station_code" if by == "station" else "split_group"
    assert (meta.groupby(key)["split"].nunique() == 1).all()
    if by == "time":
        assert meta["split_group"].str.startswith("block").all()


@pytest.mark.filterwarnings("ignore:.*the split cannot support")
def test_forward_split_is_in_time_order_with_a_gap(synth_small, tmp_path):
    """--split-by forward: train holds the earliest episodes, test the latest, and no two splits
    come closer than the gap (before_days + 3 days); rows in the gaps are counted, not kept."""
    m = _build(synth_small, tmp_path, split_by="forward", fractions=(0.5, 0.2, 0.3), min_split_groups=1)
    meta = SeisemDataset(tmp_path).metadata
    day = pd.to_datetime(meta["trace_day_local"])
    first = {s: day[meta["split"] == s].min() for s in ("train", "dev", "test")}
    last = {s: day[meta["split"] == s].max() for s in ("train", "dev", "test")}
    assert last["train"] < first["dev"] and last["dev"] < first["test"]
    assert (first["dev"] - last["train"]).days > 14 and (first["test"] - last["dev"]).days > 14
    assert m["counts"]["left_out_in_forward_gaps"] >= 0
    assert meta["split_group"].str.startswith("episode:").all()


@pytest.mark.filterwarnings("ignore:.*the split cannot support")
def test_before_background_contrast(synth_small, tmp_path):
    """--contrast before-background: before-days against event-free days at least
    --background-days from every event paired with the station; background days join the
    episode whose window covers their block, or form a unit of their own."""
    m = _build(synth_small, tmp_path, contrast="before-background", background_days=30, min_split_groups=1)
    meta = SeisemDataset(tmp_path).metadata
    bg = meta["source_id"] == "background"
    assert bg.any() and (meta.loc[bg, "label"] == 0).all() and (meta.loc[~bg, "label"] == 1).all()
    assert (meta.loc[bg, "day_offset"].abs() >= 30).all()
    assert m["counts"]["labelling"]["contrast"] == "before-background"
    pairs = pd.read_csv(tmp_path / "pairs.csv", dtype={"station_code": str})
    ev = (
        pd.to_datetime(pairs["source_origin_time"])
        .dt.tz_convert("+08:00")
        .dt.tz_localize(None)
        .dt.normalize()
    )
    for _, row in meta[bg].iterrows():
        near = (pd.Timestamp(row["trace_day_local"]) - ev[pairs["station_code"] == row["station_code"]]).abs()
        assert near.min().days >= 30
    assert (meta.groupby("split_group")["split"].nunique() == 1).all()
    span = meta.groupby("split_group")["trace_day_local"].agg(["min", "max"]).sort_values("min")
    assert (span["min"].to_numpy()[1:] > span["max"].to_numpy()[:-1]).all()
    with pytest.raises(ParameterError, match="background_days"):
        BuildConfig(contrast="before-background", background_days=10)
    with pytest.raises(ParameterError, match="contrast"):
        BuildConfig(contrast="before-during")


def test_episode_split_is_the_default_and_no_episode_straddles_splits(built):
    out, manifest = built
    assert manifest["config"]["split_by"] == "episode"
    meta = SeisemDataset(out).metadata
    assert meta["split_group"].str.startswith("episode:").all()
    assert (meta.groupby("split_group")["split"].nunique() == 1).all()
    # an episode is a calendar interval: two episodes never share a date
    span = meta.groupby("split_group")["trace_day_local"].agg(["min", "max"]).sort_values("min")
    assert (span["min"].to_numpy()[1:] > span["max"].to_numpy()[:-1]).all()


def test_rebuild_is_identical_and_resume_skips_done_shards(built, synth_small, tmp_path):
    out, manifest = built
    again = _build(synth_small, tmp_path)
    assert again == manifest | {"inputs": again["inputs"]}
    assert again["inputs"]["data"] == manifest["inputs"]["data"]
    assert (tmp_path / "metadata.csv").read_bytes() == (out / "metadata.csv").read_bytes()
    for shard in sorted((out / "shards").glob("*.h5")):
        with h5py.File(shard) as a, h5py.File(tmp_path / "shards" / shard.name) as b:
            np.testing.assert_array_equal(a["images"][()], b["images"][()])
            np.testing.assert_array_equal(a["series"][()], b["series"][()])
    # a finished shard is reused: its file is not rewritten
    first = sorted((tmp_path / "shards").glob("*.h5"))[0]
    mtime = first.stat().st_mtime_ns
    _build(synth_small, tmp_path)
    assert first.stat().st_mtime_ns == mtime
    # a parameter change invalidates every shard
    _build(synth_small, tmp_path, n_fft=64)
    assert first.stat().st_mtime_ns != mtime


def test_kill_and_resume(synth_small, built, tmp_path):
    out_ref, _ = built
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "seisem",
        "build",
        "--stations",
        synth_small["stations"],
        "--catalog",
        synth_small["catalog"],
        "--data",
        synth_small["data"],
        "--format",
        "aeta",
        "--out",
        str(out),
        "--fractions",
        ",".join(map(str, FRACTIONS)),
        "--scheduler",
        "synchronous",
        "--no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if list((out / "shards").glob("*.h5")) if (out / "shards").is_dir() else []:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # killed as soon as the first of 8 shards landed: the build cannot have finished
    assert not (out / "manifest.json").exists()
    assert len(list((out / "shards").glob("*.h5"))) < 8
    with pytest.raises(ReadError, match="did not finish"):
        SeisemDataset(out)
    # no partial file is visible under a final name: every .h5 present is complete
    for shard in (out / "shards").glob("*.h5"):
        with h5py.File(shard) as f:
            assert "images" in f and "series" in f
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "dataset" in r.stdout
    assert (out / "metadata.csv").read_bytes() == (out_ref / "metadata.csv").read_bytes()
    assert not list(out.rglob(".*.tmp"))
    a, b = SeisemDataset(out), SeisemDataset(out_ref)
    np.testing.assert_array_equal(a.images(), b.images())


def test_cli_pairs_synth_build(tmp_path, real, capsys):
    out = tmp_path / "pairs.csv"
    assert (
        main(
            [
                "pairs",
                "--stations",
                str(real / "aeta" / "StationInfo.csv"),
                "--catalog",
                str(real / "aeta" / "eqlst.csv"),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    pairs = pd.read_csv(out)
    assert len(pairs) == 1036 and "path_distance_km" in pairs.columns
    assert "1036 pairs" in capsys.readouterr().out
    assert (
        main(
            [
                "pairs",
                "--stations",
                str(real / "aeta" / "StationInfo.csv"),
                "--catalog",
                str(real / "aeta" / "eqlst.csv"),
                "--min-magnitude",
                "5",
                "--em-only",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert len(pd.read_csv(out)) < 1036
    assert main(["pairs", "--stations", str(tmp_path / "none.csv"), "--catalog", "x", "-o", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cli_synth_then_build_null(tmp_path, capsys):
    syn = tmp_path / "syn"
    assert (
        main(
            [
                "synth",
                "--out",
                str(syn),
                "--stations",
                "3",
                "--events",
                "6",
                "--days",
                "40",
                "--precursor",
                "none",
                "--seed",
                "1",
            ]
        )
        == 0
    )
    assert len(pd.read_csv(syn / "truth.csv")) == 0  # the null set has no precursor
    build = [
        "build",
        "--stations",
        str(syn / "stations.csv"),
        "--catalog",
        str(syn / "catalog.csv"),
        "--data",
        str(syn / "data"),
        "--format",
        "aeta",
        "--out",
        str(tmp_path / "ds"),
        "--scheduler",
        "threads",
        "--no-progress",
        "--waveform",
    ]
    # 6 events in 40 days are one episode: the default fractions leave dev and test empty; this used to
    # pass silently
    assert main(build) == 2
    err = capsys.readouterr().err
    assert "the test split is empty" in err and "--fractions" in err and "--on-bad-split warn" in err
    assert not (tmp_path / "ds" / "manifest.json").exists()
    with warnings.catch_warnings():  # as a user sees it: the warning printed once, as one line
        warnings.simplefilter("always")
        assert main([*build, "--on-bad-split", "warn"]) == 0
    out, err = capsys.readouterr()
    assert err.count("the test split is empty") == 1 and "seisem build: warning: " in err
    assert "the test split is empty" not in out  # warned, not printed again
    assert "warnings.warn" not in err  # no source line
    m = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert m["image_shape"] == [32, 32, 4] and m["config"]["tz"] == "+08:00"
    assert m["split_problems"] == ["the dev split is empty", "the test split is empty"]


def test_build_from_real_iaga_files(real, tmp_path):
    """Seven real Boulder days with a made-up event near the observatory on 4 November."""
    st = pd.DataFrame(
        {
            "station_code": ["BOU"],
            "station_latitude_deg": [40.137],
            "station_longitude_deg": [254.764 - 360],
            "station_name": ["Boulder"],
            "station_has_em": [True],
        }
    )
    cat = pd.DataFrame(
        {
            "source_id": ["test1"],
            "source_origin_time": [pd.Timestamp("2014-11-04T12:00Z")],
            "source_latitude_deg": [40.2],
            "source_longitude_deg": [-105.0],
            "source_depth_km": [5.0],
            "source_magnitude": [4.0],
            "source_magnitude_type": ["ML"],
            "source_place": ["test"],
        }
    )
    cfg = BuildConfig.preset("iaga2002", before_days=3, after_days=3, element="Z")
    with pytest.raises(SplitError, match="dev split is empty; the test split is empty"):
        build_dataset(
            st,
            cat,
            str(real / "iaga2002" / "bou*.min"),
            tmp_path,
            cfg,
            scheduler="synchronous",
            progress=False,
        )
    cfg = BuildConfig.preset("iaga2002", before_days=3, after_days=3, element="Z", on_bad_split="warn")
    with pytest.warns(UserWarning, match=r"6 samples in 1 episode group"):
        m = build_dataset(
            st,
            cat,
            str(real / "iaga2002" / "bou*.min"),
            tmp_path,
            cfg,
            scheduler="synchronous",
            progress=False,
        )
    assert m["counts"]["samples"] == 6 and m["counts"]["label_1_before"] == 3
    ds = SeisemDataset(tmp_path)
    assert sorted(ds.metadata["trace_start_time"].str[:10]) == [
        "2014-11-01",
        "2014-11-02",
        "2014-11-03",
        "2014-11-05",
        "2014-11-06",
        "2014-11-07",
    ]
    from seisem.io import read_iaga2002

    raw = read_iaga2002(real / "iaga2002" / "bou20141101vmin.min").values["Z"]
    day1 = ds.series(np.flatnonzero(ds.metadata["trace_start_time"].str.startswith("2014-11-01").to_numpy()))[
        0
    ]
    np.testing.assert_allclose(day1, (raw - raw.min()) / (raw.max() - raw.min()), atol=1e-6)
    with pytest.raises(ReadError, match="element='Q'"):
        build_dataset(
            st,
            cat,
            str(real / "iaga2002" / "bou*.min"),
            tmp_path / "q",
            BuildConfig.preset("iaga2002", element="Q", before_days=3, after_days=3),
            scheduler="synchronous",
            progress=False,
        )


def test_build_config_errors():
    with pytest.raises(ParameterError, match="format='csv'"):
        BuildConfig(format="csv")
    with pytest.raises(ParameterError, match="interval_s=7"):
        BuildConfig(interval_s=7)
    with pytest.raises(ParameterError, match="preset='mars'"):
        BuildConfig.preset("mars")


def test_build_ten_minute_aeta_features(tmp_path, capsys):
    """The competition's feature files have one row per 10 minutes: --interval-s 600."""
    rng = np.random.default_rng(0)
    t = np.arange(
        np.datetime64("2020-03-01T00:00", "s"),
        np.datetime64("2020-04-01T00:00", "s"),
        np.timedelta64(600, "s"),
    ).astype(np.int64)
    (tmp_path / "data").mkdir()
    pd.DataFrame({"StationID": "7", "TimeStamp": t, "magn@abs_mean": rng.random(t.size)}).to_csv(
        tmp_path / "data" / "7_magn.csv", index=False
    )
    (tmp_path / "st.csv").write_text(
        "\ufeffTitle,StationID,Longitude,Latitude,MagnData\nX,7,103.0,30.0,True\n"
    )
    (tmp_path / "eq.csv").write_text(
        "\ufeffLongitude,Latitude,Magnitude,Time,Timestamp\n103.1,30.1,4.5,16/03/2020 20:00,1584360000\n"
    )
    args = [
        "build",
        "--stations",
        str(tmp_path / "st.csv"),
        "--catalog",
        str(tmp_path / "eq.csv"),
        "--data",
        str(tmp_path / "data"),
        "--format",
        "aeta",
        "--out",
        str(tmp_path / "ds"),
        "--interval-s",
        "600",
        "--scheduler",
        "synchronous",
        "--no-progress",
        "--on-bad-split",
        "warn",  # one event: no dev or test split
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(args) == 0
    assert "split is empty" in capsys.readouterr().err
    ds = SeisemDataset(tmp_path / "ds")
    assert len(ds) == 28 and ds.series([0]).shape == (1, 144)
    assert ds.manifest["samples_per_day"] == 144
