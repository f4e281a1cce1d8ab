"""Issue 14 (A): paper head, VGG16 with/without dropout, filter images, image inputs, chirp-rate
units, station-robust amplitude, channel-aware augmentation, sweep selecting on dev."""

from __future__ import annotations

import json

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from seisem import ParameterError  # noqa: E402
from seisem.cli import main  # noqa: E402
from seisem.data import BuildConfig, SeisemDataset  # noqa: E402
from seisem.data.build import rerender_dataset  # noqa: E402
from seisem.data.config import bins_per_frame, chirp_rate_hz  # noqa: E402
from seisem.data.images import make_images, station_db_range  # noqa: E402
from seisem.feed import TimeShear, TimeShift, augmentations_for  # noqa: E402
from seisem.models import build_model, feature_layers  # noqa: E402

# --- models ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["improved-vgg", "vgg16"])
def test_paper_head_is_dense_4096_then_two_class_softmax(name, tmp_path):
    m = build_model(name, (16, 16, 3), head="paper")
    assert m.get_layer("dense1").units == 4096
    soft = m.get_layer("class_probabilities")
    assert soft.units == 2 and soft.activation.__name__ == "softmax"
    assert m.output_shape == (None, 1)
    sel = m.get_layer("before_probability")
    assert not sel.trainable and np.array_equal(sel.get_weights()[0].ravel(), [0.0, 1.0])
    x = np.random.default_rng(0).integers(0, 255, (3, 16, 16, 3)).astype(np.uint8)
    p = np.asarray(m(x, training=False)).ravel()
    probs = np.asarray(keras.Model(m.inputs, soft.output)(x, training=False))
    np.testing.assert_allclose(p, probs[:, 1], rtol=1e-6)  # the "before" column of the softmax
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-6)
    m.save(tmp_path / "m.keras")
    back = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(back(x, training=False)).ravel(), p, rtol=1e-6)
    with pytest.raises(ParameterError, match="head='big'"):
        build_model(name, (16, 16, 3), head="big")


def test_vgg16_with_and_without_dropout_is_the_original_base():
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).count_params()
    with_do = build_model("vgg16", (32, 32, 3), dropout=0.5)
    without = build_model("vgg16", (32, 32, 3), dropout=0.0)
    drops = lambda m: [ly for ly in m.layers if isinstance(ly, keras.layers.Dropout)]  # noqa: E731
    assert len(drops(with_do)) == 1 and drops(without) == []
    head = sum(
        int(np.prod(w.shape)) for n in ("dense1", "before_probability") for w in without.get_layer(n).weights
    )
    assert without.count_params() - head == base == 14_714_688
    assert feature_layers(without) == [
        "block1_conv2",
        "block2_conv2",
        "block3_conv3",
        "block4_conv3",
        "block5_conv3",
    ]
    assert feature_layers(build_model("improved-vgg", (16, 16, 3))) == ["s1c_conv", "s2c_conv", "s3c_conv"]
    with pytest.raises(ParameterError, match=r"dropout=1\.5"):
        build_model("vgg16", (32, 32, 3), dropout=1.5)


@pytest.mark.parametrize("name", ["vgg16", "improved-vgg"])
def test_filter_responses_are_not_blank(name):
    """VGG16's filter images came out empty: its base was one nested layer (no convolution
    reachable by name) and its convolutions fused the ReLU (no gradient from a dead channel)."""
    from seisem.report import default_layers, filter_responses

    m = build_model(name, (16, 16, 1))
    layers = default_layers(m)
    assert layers
    shape = tuple(int(v) for v in m.inputs[0].shape[1:])
    start = 128.0 + 8.0 * np.random.default_rng(0).standard_normal((1, *shape))
    for layer in (layers[0], layers[-1]):
        imgs = filter_responses(m, layer, filters=2, steps=3, seed=0)
        assert imgs.shape == (2, *shape)
        for img in imgs:  # each filter moved its image away from the grey start
            assert np.abs(img - start[0]).mean() > 1.0


# --- image inputs, chirp rate, amplitude ---------------------------------------------------------------


def test_chirp_rate_units_and_default():
    fs, n = 1 / 60, 128
    assert BuildConfig().chirp_rate == "auto" and BuildConfig().chirp_rate_hz == "auto"
    r = chirp_rate_hz("4bins", fs, n)
    assert r == pytest.approx(4 * fs**2 / n**2) and bins_per_frame(r, fs, n) == pytest.approx(4.0)
    # the same dimensionless rate scales with the sampling interval (600 s: 100x smaller in Hz/s)
    assert chirp_rate_hz("4bins", 1 / 600, n) == pytest.approx(r / 100)
    assert chirp_rate_hz(3e-7, fs, n) == 3e-7 and chirp_rate_hz("0", fs, n) == 0.0
    cfg = BuildConfig(chirp_rate="2bins", interval_s=600.0, n_fft=128)
    assert cfg.chirp_rate_hz == pytest.approx(2 / 600**2 / 128**2)
    with pytest.raises(ParameterError, match="chirp_rate='fast'"):
        BuildConfig(chirp_rate="fast")
    with pytest.raises(ParameterError, match="'4bins'"):
        BuildConfig(chirp_rate="xbins")


def test_image_kinds_and_channel_layout():
    cfg = BuildConfig(image="spectrogram+waveform-binary", size=(16, 16))
    assert cfg.image_kinds == ("spectrogram", "waveform-binary")
    assert BuildConfig(waveform=True).image == "spectrogram+waveform-filled"  # the older flag
    with pytest.raises(ParameterError, match="waveform-line"):
        BuildConfig(image="waveform-line")
    with pytest.raises(ParameterError, match="twice"):
        BuildConfig(image="spectrogram+spectrogram")
    rng = np.random.default_rng(0)
    days = rng.random((3, 1440)).astype(np.float32)
    img = make_images(days, cfg)
    assert img.shape == (3, 16, 16, 4) and img.dtype == np.uint8
    assert set(np.unique(img[..., 3])) <= {0, 255}  # binarized waveform
    wf = make_images(days, BuildConfig(image="waveform-filled", size=(16, 16)))
    assert wf.shape == (3, 16, 16, 1) and len(np.unique(wf)) > 2


def test_station_robust_images_keep_amplitude():
    t = np.arange(1440)
    quiet = 0.5 + 0.02 * np.sin(2 * np.pi * t / 60.0)
    storm = 0.5 + 0.20 * np.sin(2 * np.pi * t / 60.0)
    days = np.stack([quiet, storm]).astype(np.float32)
    kw = {"size": (16, 16), "cmap": "gray", "chirp_rate": 0.0, "detrend": "mean"}
    robust = make_images(days, BuildConfig(normalize="station-robust", **kw))
    minmax = make_images(days, BuildConfig(normalize="day-minmax", **kw))
    assert int(robust[1].max()) > int(robust[0].max()) + 40  # the storm day is brighter (20 dB of 80)
    assert abs(int(minmax[1].astype(int).mean()) - int(minmax[0].astype(int).mean())) <= 1  # per-image: equal
    lo, hi = station_db_range(BuildConfig(normalize="station-robust", interval_s=60.0))
    assert hi - lo == 80.0 and hi == pytest.approx(10 * np.log10(64.0**2 / 4))  # hann 128: sum 64
    wkw = {"image": "waveform-filled", "size": (16, 16)}
    wr = make_images(days, BuildConfig(normalize="station-robust", **wkw))
    wm = make_images(days, BuildConfig(normalize="day-minmax", **wkw))
    assert np.array_equal(wm[0], wm[1])  # min-max drawing: a quiet day looks like a storm
    assert np.abs(wr[1].astype(int) - wr[0].astype(int)).max() > 50  # fixed scale: it does not


def test_augmentation_shears_spectrogram_channels_only():
    layout = [{"kind": "spectrogram", "index": [0, 3]}, {"kind": "waveform-filled", "index": [3, 4]}]
    augs = augmentations_for(layout)
    assert isinstance(augs[0], TimeShift) and isinstance(augs[1], TimeShear) and augs[1].channels == (0, 1, 2)
    assert "channels=[0, 1, 2]" in repr(augs[1])
    assert [type(a) for a in augmentations_for([{"kind": "waveform-binary", "index": [0, 1]}])] == [TimeShift]
    x = np.random.default_rng(1).integers(0, 255, (4, 16, 16, 4)).astype(np.uint8)
    y = TimeShear(1.0, channels=(0, 1, 2))(x, np.random.default_rng(0))
    assert np.array_equal(y[..., 3], x[..., 3]) and not np.array_equal(y[..., :3], x[..., :3])
    with pytest.raises(ParameterError, match="channels"):
        TimeShear(0.1, channels=(5,))(x, np.random.default_rng(0))


def test_rerender_keeps_samples_and_splits(small_dataset, tmp_path):
    src = small_dataset[0]
    assert small_dataset[1]["chirp"] == {
        "given": "auto",
        "hz_per_s": "auto",
        "bins_per_frame": None,
    }  # default
    m = rerender_dataset(src, tmp_path / "wb", image="waveform-binary", size=(16, 16))
    a, b = SeisemDataset(src), SeisemDataset(tmp_path / "wb")
    assert a.metadata[["trace_name", "split", "label"]].equals(b.metadata[["trace_name", "split", "label"]])
    assert m["image_shape"] == [16, 16, 1] and m["channels"] == [{"kind": "waveform-binary", "index": [0, 1]}]
    np.testing.assert_array_equal(a.series(np.arange(5)), b.series(np.arange(5)))
    assert m["rerendered_from"]["path"].endswith(str(src).rstrip("/").split("/")[-1])
    with pytest.raises(ParameterError, match="split_by"):
        rerender_dataset(src, tmp_path / "x", split_by="time")


# --- CLI: head, dropout, waveform input, sweep ------------------------------------------------------


@pytest.fixture(scope="module")
def tiny16(small_dataset, tmp_path_factory):
    """The small dataset at 16x16 with a binarized waveform channel stacked (fast to train)."""
    out = tmp_path_factory.mktemp("tiny16")
    rerender_dataset(small_dataset[0], out, size=(16, 16), image="spectrogram+waveform-binary")
    return str(out)


def test_cli_train_paper_head_and_vgg16_without_dropout(tiny16, tmp_path, capsys):
    from seisem.report import plot_filters

    run = tmp_path / "paper"
    assert (
        main(["train", tiny16, "--head", "paper", "--epochs", "1", "--batch-size", "64", "--out", str(run)])
        == 0
    )
    info = json.loads((run / "run.json").read_text())
    assert info["head"] == "paper" and info["image"] == "spectrogram+waveform-binary"
    assert info["augment"] == ["TimeShift(max_shift=2)", "TimeShear(max_shear=0.1, channels=[0, 1, 2])"]
    run = tmp_path / "vgg"
    args = ["train", tiny16, "--model", "vgg16", "--dropout", "0", "--epochs", "1", "--batch-size", "64"]
    assert main([*args, "--out", str(run)]) == 0
    assert "dropout 0" in capsys.readouterr().out
    assert json.loads((run / "run.json").read_text())["dropout"] == 0.0
    paths = plot_filters(str(run), layers=["block1_conv2"], filters=2, progress=False)
    assert paths and (run / paths[0]).stat().st_size > 1000
    assert main(["train", tiny16, "--dropout", "1", "--out", str(tmp_path / "bad")]) == 2


def test_sweep_selects_on_dev_and_tests_the_choice_only(tiny16, tmp_path):
    from seisem.sweep import sweep

    with pytest.raises(ParameterError, match="at least 3 different seeds"):
        sweep(tiny16, tmp_path / "s0", batch_sizes=(64,), epochs=1, seeds=(0, 1))
    out = tmp_path / "sweep"
    args = ["sweep", tiny16, "--batch-sizes", "64,128", "--epochs", "1", "--report-epochs", "1"]
    assert main([*args, "--seeds", "0,1,2", "--out", str(out)]) == 0
    s = json.loads((out / "sweep.json").read_text())
    chosen = s["chosen_batch_size"]
    dev = s["dev_loss_by_batch_size"]
    assert dev[str(chosen)] == min(dev.values())
    assert [r["seed"] for r in s["test_of_chosen"]["runs"]] == [0, 1, 2]
    other = 128 if chosen == 64 else 64
    for seed in (0, 1, 2):  # test scored for the chosen batch size only
        assert (out / f"batch{chosen}" / f"seed{seed}" / "metrics.json").exists()
        assert not (out / f"batch{other}" / f"seed{seed}" / "metrics.json").exists()
    md = (out / "sweep.md").read_text()
    assert f"| {chosen} (chosen) |" in md and " ± " in md and "dev only" in md


def test_sweep_chooses_the_head_on_dev(tiny16, tmp_path):
    """Heads are compared like batch sizes: chosen on dev loss, the test scored for the choice only."""
    out = tmp_path / "heads"
    args = ["sweep", tiny16, "--batch-sizes", "64", "--heads", "compact,paper", "--epochs", "1"]
    assert main([*args, "--report-epochs", "1", "--seeds", "0,1,2", "--out", str(out)]) == 0
    s = json.loads((out / "sweep.json").read_text())
    dev = s["dev_loss_by_head_and_batch_size"]
    assert set(dev) == {"compact/64", "paper/64"} and s["heads"] == ["compact", "paper"]
    assert dev[f"{s['head']}/64"] == min(dev.values())
    other = "paper" if s["head"] == "compact" else "compact"
    assert (out / f"head-{s['head']}" / "batch64" / "seed0" / "metrics.json").exists()
    assert not (out / f"head-{other}" / "batch64" / "seed0" / "metrics.json").exists()
    assert f"| {s['head']} (chosen) | 64 |" in (out / "sweep.md").read_text()
    with pytest.raises(ParameterError, match="head="):
        from seisem.sweep import sweep

        sweep(tiny16, tmp_path / "x", batch_sizes=(64,), head="compact,compact", epochs=1)


def test_report_names_head_dropout_image_and_chirp():
    from seisem.report import _preset_line

    line = _preset_line(
        {
            "head": "paper",
            "dropout": 0.0,
            "image": "spectrogram+waveform-binary",
            "chirp": {"hz_per_s": 1.36e-7, "bins_per_frame": 8.0},
            "augment": ["TimeShift(max_shift=2)"],
        }
    )
    assert (
        "Head paper, dropout 0" in line
        and "spectrogram+waveform-binary" in line
        and "8 bins per frame" in line
    )
    assert "Head compact" in _preset_line({})  # runs from before the presets
