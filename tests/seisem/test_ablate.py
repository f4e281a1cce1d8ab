"""Issue 14 (A): ``seisem ablate`` — paired comparisons with group-bootstrap intervals and verdicts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seisem import ParameterError
from seisem.ablate import ablation_markdown, paired_comparison


def _split(n_groups=12, per_group=10, seed=0):
    rng = np.random.default_rng(seed)
    groups = np.repeat([f"ev{g}" for g in range(n_groups)], per_group)
    y = np.repeat(rng.integers(0, 2, n_groups), per_group)  # one label per event, as before/after days
    y[: per_group // 2] = 1 - y[0]  # both classes in the first group too
    return y, groups, rng


def test_identical_pipelines_show_no_detectable_difference():
    y, g, rng = _split()
    s = rng.random((3, y.size))
    r = paired_comparison(y, g, {"plain": s, "auto": s.copy()}, reference="plain", n_boot=200)
    d = r["differences"]["auto"]["balanced_accuracy"]
    assert d["difference"] == 0.0 and d["interval"] == [0.0, 0.0]
    assert d["verdict"].startswith("no detectable difference at this size")
    assert r["n_groups"] == 12 and r["n_seeds"] == 3 and r["metrics"]["plain"]["roc_auc"]["sd"] >= 0


def test_a_clearly_better_pipeline_is_detected_and_noise_is_not():
    y, g, rng = _split(n_groups=20)
    noise = rng.random((3, y.size))
    good = np.clip(0.5 + 0.4 * (y - 0.5) * 2 + 0.1 * rng.standard_normal((3, y.size)), 0, 1)
    other = rng.random((3, y.size))
    r = paired_comparison(y, g, {"plain": noise, "auto": good, "chirp": other}, reference="plain", n_boot=300)
    good_d = r["differences"]["auto"]["balanced_accuracy"]
    assert good_d["difference"] > 0.3 and good_d["interval"][0] > 0
    assert good_d["verdict"].startswith("auto scores higher")
    assert "no detectable difference" in r["differences"]["chirp"]["roc_auc"]["verdict"]


def test_too_few_groups_is_not_estimable_and_errors_are_named():
    y, g, rng = _split(n_groups=3)
    s = rng.random((2, y.size))
    r = paired_comparison(y, g, {"plain": s, "auto": s[::-1]}, reference="plain", n_boot=50)
    d = r["differences"]["auto"]["roc_auc"]
    assert d["interval"] == [None, None] and d["verdict"].startswith("not estimable")
    with pytest.raises(ParameterError, match="reference='chirp'"):
        paired_comparison(y, g, {"plain": s, "auto": s}, reference="chirp")


def test_cli_ablate_end_to_end_tiny(small_dataset, tmp_path, capsys):
    pytest.importorskip("keras")
    from seisem.cli import main

    out = tmp_path / "abl"
    args = ["ablate", str(small_dataset[0]), "--pipelines", "plain,waveform-binary", "--seeds", "0"]
    args += ["--epochs", "1", "--batch-size", "64", "--n-boot", "50", "--no-progress", "--out", str(out)]
    assert main(args) == 0
    r = json.loads((out / "ablation.json").read_text())
    assert set(r["pipelines"]) == {"plain", "waveform-binary"}
    assert (
        r["pipelines"]["plain"]["chirp"]["hz_per_s"] == 0.0
        and r["pipelines"]["waveform-binary"]["chirp"] is None
    )
    assert len(r["metrics"]["plain"]["balanced_accuracy"]["per_seed"]) == 1
    assert "verdict" in r["differences"]["waveform-binary"]["balanced_accuracy"]
    assert r["seconds"]["total"] > 0 and r["machine"]["cpu_count"] >= 1
    md = (out / "ablation.md").read_text()
    assert md == ablation_markdown(r) and "| waveform-binary |" in md and "Verdicts" in md
    assert "ablation.json" in capsys.readouterr().out
    assert main(["ablate", str(small_dataset[0]), "--pipelines", "plain,sharp", "--out", str(out)]) == 2
