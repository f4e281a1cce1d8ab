"""Training throughput: one epoch over 40,000 images of 32x32x3 on the CPU, improved VGG vs VGG16.

Images per second = 40,000 / epoch time (batch 128, Adam, from memory, no augmentation).
One round each: an epoch of VGG16 takes minutes on two cores.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from seisem.models import build_model, compile_model  # noqa: E402

N_IMAGES = int(os.environ.get("SEISEM_BENCH_IMAGES", 40_000))


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, N_IMAGES).astype(np.float32)
    x = rng.integers(0, 256, (N_IMAGES, 32, 32, 3)).astype(np.uint8)
    return x, y


@pytest.mark.parametrize("model", ["improved-vgg", "vgg16"])
def test_train_one_epoch(benchmark, images, model):
    x, y = images
    keras.utils.set_random_seed(0)
    net = compile_model(build_model(model, (32, 32, 3)))
    net.fit(x[:256], y[:256], epochs=1, batch_size=128, verbose=0)  # build and trace before the clock
    benchmark.group = f"train one epoch, {N_IMAGES} images 32x32x3 (images/s = {N_IMAGES} / time)"
    benchmark.extra_info["images"] = N_IMAGES
    hist = benchmark.pedantic(
        lambda: net.fit(x, y, epochs=1, batch_size=128, verbose=0), rounds=1, iterations=1
    )
    assert np.isfinite(hist.history["loss"][0])
