"""Models, feeding, metrics, training, evaluation, sweep, report and the demo (Keras on the CPU)."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")
sklearn_metrics = pytest.importorskip("sklearn.metrics")

from seisem import ParameterError  # noqa: E402
from seisem.cli import main  # noqa: E402
from seisem.data import SeisemDataset  # noqa: E402
from seisem.feed import TimeShear, TimeShift, make_sequence  # noqa: E402
from seisem.metrics import binary_metrics, bootstrap_ci, permutation_null, roc_auc  # noqa: E402
from seisem.models import build_model, compile_model  # noqa: E402

from .test_report_view import assert_reads_well  # noqa: E402

# --- models -----------------------------------------------------------------------------


@pytest.mark.parametrize(("shape", "stages"), [((32, 32, 3), 3), ((64, 64, 3), 4), ((16, 48, 1), 3)])
def test_improved_vgg_structure(shape, stages):
    m = build_model("improved-vgg", shape)
    assert m.output_shape == (None, 1)
    names = [ly.name for ly in m.layers]
    convs = [n for n in names if n.endswith("_conv")]
    assert len(convs) == 3 * stages + 1  # 3x3, 3x3, 1x1 per stage + the skip's 1x1
    for c in convs:  # batch normalisation after every convolution
        assert c.replace("_conv", "_bn") in names
    kernels = {m.get_layer(c).kernel_size for c in convs}
    assert kernels == {(3, 3), (1, 1)}
    filt = [m.get_layer(f"s{s}a_conv").filters for s in range(1, stages + 1)]
    assert filt == [32 * 2**i for i in range(stages)]  # doubling after each pooling
    merge = m.get_layer("skip_merge")
    assert len(merge.input) == 2
    dense = [ly for ly in m.layers if isinstance(ly, keras.layers.Dense)]
    assert dense[0].kernel_regularizer is not None
    assert dense[-1].activation.__name__ == "sigmoid"
    x = np.random.default_rng(0).integers(0, 255, (2, *shape)).astype(np.uint8)
    p = np.asarray(m(x, training=False))
    assert p.shape == (2, 1) and ((p > 0) & (p < 1)).all()


@pytest.mark.parametrize("shape", [(32, 32, 3), (16, 16, 1)])
def test_vgg16_baseline_builds(shape):
    m = build_model("vgg16", shape)
    assert m.output_shape == (None, 1)
    assert any(ly.name == "block5_conv3" for ly in m.layers)  # the base is built flat (filter images)
    assert m.count_params() > 14_000_000


def test_model_errors():
    with pytest.raises(ParameterError, match="model='resnet'"):
        build_model("resnet")
    with pytest.raises(ParameterError, match=r"input_shape=\(4, 4, 3\)"):
        build_model("improved-vgg", (4, 4, 3))
    with pytest.raises(ParameterError, match="dense_units"):
        build_model("improved-vgg", dense_units=(8, 8, 8))


def test_a_few_steps_lower_the_loss():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 64)
    x = rng.integers(0, 60, (64, 32, 32, 3)).astype(np.uint8)
    x[y == 1, 20:, :, :] += 150  # "before" images carry energy in the upper rows
    m = compile_model(build_model("improved-vgg"), learning_rate=1e-3)
    before = m.evaluate(x, y, verbose=0)[0]
    m.fit(x, y, epochs=8, batch_size=16, verbose=0)
    after = m.evaluate(x, y, verbose=0)[0]
    assert after < before


# --- augmentation and feeding -------------------------------------------------------------------


def test_augmentations_move_along_time_only():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 255, (5, 8, 16, 3)).astype(np.uint8)
    for aug in (TimeShift(3), TimeShear(0.5)):
        y = aug(x, np.random.default_rng(2))
        assert y.shape == x.shape
        for i in range(5):  # every output row is made of values of the same input row
            for r in range(8):
                assert set(map(tuple, y[i, r])) <= set(map(tuple, x[i, r]))
    np.testing.assert_array_equal(TimeShift(0)(x, rng), x)
    np.testing.assert_array_equal(TimeShear(0.0)(x, rng), x)
    assert (
        repr(TimeShift(2)) == "TimeShift(max_shift=2)" and repr(TimeShear(0.1)) == "TimeShear(max_shear=0.1)"
    )
    with pytest.raises(ParameterError, match="max_shift=-1"):
        TimeShift(-1)
    with pytest.raises(ParameterError, match="max_shear=nan"):
        TimeShear(float("nan"))


def test_sequence_streaming_equals_in_memory(small_dataset):
    ds = SeisemDataset(small_dataset[0]).train()
    a = make_sequence(ds, batch_size=32, shuffle=True, augment=[TimeShift(2)], seed=4, in_memory=True)
    b = make_sequence(ds, batch_size=32, shuffle=True, augment=[TimeShift(2)], seed=4, in_memory=False)
    assert len(a) == len(b) == -(-len(ds) // 32)
    for i in (0, len(a) - 1):
        np.testing.assert_array_equal(a[i][0], b[i][0])
        np.testing.assert_array_equal(a[i][1], b[i][1])
    first = a[0][1].copy()
    a.on_epoch_end()
    assert not np.array_equal(a.order, np.arange(len(ds)))
    assert a[0][1].shape == first.shape
    with pytest.raises(ParameterError, match="batch_size=0"):
        make_sequence(ds, batch_size=0)


# --- metrics ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_metrics_equal_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    y = rng.integers(0, 2, n)
    s = np.round(rng.random(n), 1)  # rounded: ties in the scores
    if seed == 5:
        s[:] = 0.2  # every prediction one class: zero denominators
    m = binary_metrics(y, s)
    p = (s >= 0.5).astype(int)
    sk = sklearn_metrics
    assert m["accuracy"] == pytest.approx(sk.accuracy_score(y, p))
    assert m["balanced_accuracy"] == pytest.approx(sk.balanced_accuracy_score(y, p))
    assert m["precision"] == pytest.approx(sk.precision_score(y, p, zero_division=0))
    assert m["recall"] == pytest.approx(sk.recall_score(y, p, zero_division=0))
    assert m["f1"] == pytest.approx(sk.f1_score(y, p, zero_division=0))
    assert m["mcc"] == pytest.approx(sk.matthews_corrcoef(y, p))
    if 0 < y.sum() < n:
        assert m["roc_auc"] == pytest.approx(sk.roc_auc_score(y, s))
    assert np.isnan(roc_auc(np.ones(4), np.arange(4)))


def test_bootstrap_and_permutation():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    good = np.where(rng.random(200) < 0.85, y, 1 - y).astype(float)
    ci = bootstrap_ci(y, good, n_boot=300)
    acc = binary_metrics(y, good)["accuracy"]
    assert ci["accuracy"][0] <= acc <= ci["accuracy"][1]
    assert ci["accuracy"][1] - ci["accuracy"][0] < 0.2
    groups = np.repeat(np.arange(20), 10)
    cig = bootstrap_ci(y, good, groups=groups, n_boot=300)
    assert cig["resampled"] == "groups" and cig["n_units"] == 20
    perm = permutation_null(y, good.astype(int), n_perm=300)
    assert perm["p_value"] < 0.01 and abs(perm["null_mean"] - 0.5) < 0.05
    rand = permutation_null(y, rng.integers(0, 2, 200), n_perm=300)
    assert rand["p_value"] > 0.01


# --- training, evaluation, report, sweep --------------------------------------------------------


def test_train_is_deterministic_and_evaluate_writes_metrics(small_dataset, tmp_path):
    from seisem.evaluate import evaluate
    from seisem.train import train

    ds_path = small_dataset[0]
    a = train(ds_path, tmp_path / "a", epochs=2, batch_size=32, seed=1, verbose=0)
    b = train(ds_path, tmp_path / "b", epochs=2, batch_size=32, seed=1, verbose=0)
    ha = (tmp_path / "a" / "history.csv").read_text().splitlines()
    hb = (tmp_path / "b" / "history.csv").read_text().splitlines()
    strip = lambda rows: [",".join(r.split(",")[:1] + r.split(",")[2:]) for r in rows]  # noqa: E731
    assert strip(ha) == strip(hb)  # same losses and accuracies (wall time aside)
    assert a["best_epoch"] == b["best_epoch"] and a["epochs_run"] == 2
    for name in ("best.keras", "model.keras", "run.json", "history.csv"):
        assert (tmp_path / "a" / name).exists()
    m = evaluate(tmp_path / "a", n_perm=100)
    saved = json.loads((tmp_path / "a" / "metrics.json").read_text())
    for key in ("accuracy", "balanced_accuracy", "mcc", "roc_auc"):
        assert isinstance(saved[key], float) and saved[key] == m[key]
    assert saved["n_test"] == len(SeisemDataset(ds_path).test())
    assert {"majority_class", "logistic_band_power", "geomagnetic_activity"} <= set(saved["baselines"])
    assert "p_value" in saved["permutation"] and saved["per_station"] and saved["per_magnitude"]
    assert sum(map(sum, saved["confusion_matrix"])) == saved["n_test"]
    with pytest.raises(ParameterError, match="epochs=0"):
        train(ds_path, tmp_path / "c", epochs=0)


def test_cli_train_evaluate_report_and_sweep(small_dataset, tmp_path, capsys):
    ds_path = str(small_dataset[0])
    run = tmp_path / "run"
    assert main(["train", ds_path, "--epochs", "1", "--batch-size", "64", "--out", str(run)]) == 0
    assert main(["evaluate", str(run), "--n-perm", "50"]) == 0
    assert main(["report", str(run)]) == 0
    out = capsys.readouterr().out
    assert "report:" in out and "permutation p" in out
    html = (run / "report.html").read_text()
    assert "<table>" in html and "loss.png" in html and "filters_s1c_conv.png" in html
    assert_reads_well(html)  # viewport, tables in scroll boxes, figures with alt text and captions
    for f in ("loss.png", "accuracy.png", "filters_s3c_conv.png"):
        assert (run / f).stat().st_size > 1000
    # the sweep (several seeds, selection on dev) is tested in test_presets.py
    assert main(["evaluate", str(tmp_path)]) == 2  # not a run folder: clear error, exit code 2


# --- the demo -----------------------------------------------------------------------------------


def test_demo_end_to_end_tiny(tmp_path):
    from seisem.demo import run_demo

    s = run_demo(tmp_path / "chirp", size="tiny", scheduler="synchronous", progress=False, filters=False)
    assert os.path.exists(s["report"])
    assert 0.0 <= s["test_accuracy"] <= 1.0 and s["samples"] > 100
    metrics = json.loads((tmp_path / "chirp" / "run" / "metrics.json").read_text())
    assert metrics["accuracy"] == s["test_accuracy"]


def test_null_demo_is_at_chance(tmp_path):
    """With no precursor in the data, nothing may beat chance: the model's accuracy is not
    significant under the permutation null and its balanced accuracy's interval holds 0.5."""
    from seisem.demo import run_demo

    s = run_demo(
        tmp_path / "null",
        precursor="none",
        size="tiny",
        scheduler="synchronous",
        progress=False,
        filters=False,
    )
    m = json.loads((tmp_path / "null" / "run" / "metrics.json").read_text())
    assert m["permutation"]["p_value"] > 0.01
    lo, hi = m["ci"]["balanced_accuracy"]
    if m["ci"].get("not_estimable"):  # too few test groups: said so rather than a zero-width interval
        assert lo is None and not m["reliability"]["interpretable"]
    else:
        assert lo <= 0.5 + 1e-9 and hi >= 0.5 - 1e-9
    assert s["precursor"] == "none"


@pytest.mark.filterwarnings("ignore:.*the split cannot support")
def test_null_catalogs_retrains_on_shifted_catalogs(small_dataset, tmp_path):
    """The CNN under the pseudo-catalog null: the dataset rebuilt with the whole catalog shifted,
    the model retrained with the run's settings, the real score placed among the pseudo ones;
    with few catalogs the result says it is no test at 5 %."""
    from seisem.cnn_null import null_catalogs
    from seisem.evaluate import evaluate
    from seisem.train import train

    run = tmp_path / "run"
    train(small_dataset[0], run, epochs=1, batch_size=64, seed=0, verbose=0)
    evaluate(run, n_perm=50, pseudo_events=0)
    r = null_catalogs(run, tmp_path / "null", n=1, seed=3, scheduler="synchronous", progress=False)
    assert len(r["pseudo"]) == 1 and r["pseudo"][0]["shift_days"] >= 29
    assert r["min_attainable_p"] == 0.5 and r["p_value"] in (0.5, 1.0)
    assert "no test at 5 %" in r["statement"]
    shifted = pd.read_csv(
        tmp_path / "null" / f"shift{r['pseudo'][0]['shift_days']:+d}d" / "dataset" / "pairs.csv"
    )
    real = pd.read_csv(os.path.join(small_dataset[0], "pairs.csv"))
    assert len(shifted) == len(real) and (shifted["source_origin_time"] != real["source_origin_time"]).all()
    assert json.loads((tmp_path / "null" / "null_catalogs.json").read_text())["real"] == r["real"]
    with pytest.raises(ParameterError, match="n=0"):
        null_catalogs(run, tmp_path / "null", n=0)
