"""Compile every GPU kernel with Numba's real CUDA compiler, without a GPU.

The simulator runs the kernels as Python, so it cannot catch what only Numba's CUDA compiler
rejects (untyped builtins, non-constant shared-memory shapes, type unification). This script
compiles each kernel to PTX for sm_80 (A100) and sm_90 (H100/H200) with every argument-type
combination the backend launches (the fused kernels of ``_cuda_fused``, the inverse included, for
both working precisions), using NVVM from the ``nvidia-cuda-nvcc-cu12`` wheel (a dev dependency).
``tests/test_gpu.py::test_kernels_compile_for_a_real_gpu`` runs it in a subprocess; by hand:
``python tests/gpu_ptx_check.py`` (exit 0: all compiled; 3: no NVVM to compile with).
"""

from __future__ import annotations

import os
import re
import sys
import types


def main() -> int:
    try:
        import nvidia.cuda_nvcc

        os.environ.setdefault("CUDA_HOME", next(iter(nvidia.cuda_nvcc.__path__)))
    except ImportError:
        pass
    from numba import cuda
    from numba import types as T
    from numba.cuda import dispatcher

    # Device functions are compiled for the current device's compute capability; there is no
    # device here, so name the H100's (this is the only thing a driver would have provided).
    target = {"cc": (9, 0)}
    dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=target["cc"])
    from numba.cuda.cudadrv import nvvm

    try:
        nvvm.NVVM()
    except Exception as exc:
        print(f"no NVVM to compile with: {exc}")
        return 3

    from chirpstft.backends.cuda import fused as FK
    from chirpstft.backends.cuda import kernels as K

    def arr(dtype, ndim):
        return T.Array(dtype, ndim, "C")

    f32, f64, i64, b1 = T.float32, T.float64, T.int64, T.boolean
    cases = []
    for dt in (f32, f64):
        cases += [
            (K.gather_frames, (arr(dt, 2), arr(dt, 3), *[arr(f64, 1)] * 3, arr(f64, 2), b1, *[i64] * 5, b1)),
            (K.reorder, (arr(dt, 3), arr(dt, 3), arr(i64, 1), i64, arr(f64, 1))),
            (
                K.overlap_add,
                (
                    arr(dt, 3),
                    arr(dt, 2),
                    *[arr(f64, 1)] * 3,
                    arr(f64, 2),
                    b1,
                    *[arr(f64, 1)] * 2,
                    i64,
                    i64,
                    b1,
                ),
            ),
        ]
        for out in (T.uint8, f32):
            index = (arr(i64, 1), arr(i64, 1), arr(f64, 2))
            cases.append(
                (K.render_images, (arr(dt, 3), arr(out, 4), *[f64] * 5, *index, *index, arr(f64, 2), b1))
            )
        # the fused kernels: stft_tiles and render_fused, built for this working precision
        stft_tiles, render_fused = FK.kernels(4 if dt is f32 else 8)
        lead = (*[arr(f64, 1)] * 3, arr(f64, 2), b1, *[i64] * 4, b1, arr(dt, 1), arr(dt, 1), i64)
        cases.append((stft_tiles, (arr(dt, 2), arr(dt, 3), *lead, arr(i64, 1), i64, arr(f64, 1))))
        for out in (T.uint8, f32):
            index = (arr(i64, 1), arr(i64, 1), arr(f64, 2))
            finish = (*[f64] * 5, *index, *index, arr(f64, 2), b1)
            cases.append((render_fused, (arr(dt, 2), arr(out, 4), *lead, arr(i64, 1), *finish)))
        # the fused inverse: spectra (B, Q, 2M) -> output (B, L) or (B, 2L), in the working precision
        istft_tiles = FK.inverse_kernel(4 if dt is f32 else 8)
        weights = (*[arr(f64, 1)] * 3, arr(f64, 2), b1, *[arr(f64, 1)] * 2, i64, i64, arr(i64, 1), b1)
        cases.append((istft_tiles, (arr(dt, 3), arr(dt, 2), *weights, arr(dt, 1), arr(dt, 1), i64, i64)))
    failed = 0
    for cc in ((8, 0), (9, 0)):
        target["cc"] = cc
        for kernel, signature in cases:
            name = kernel.py_func.__name__
            try:
                ptx, _ = cuda.compile_ptx(kernel.py_func, signature, cc=cc)
            except Exception as exc:
                failed += 1
                print(f"FAILED sm_{cc[0]}{cc[1]} {name}{signature}: {type(exc).__name__}: {exc}")
            else:
                shared = sum(
                    int(s) for s in re.findall(r"\.shared\s+\.align\s+\d+\s+\.b8\s+\S+\[(\d+)\]", ptx)
                )
                print(
                    f"ok sm_{cc[0]}{cc[1]} {name} ({signature[0]}, {signature[1]}): {len(ptx)} characters of PTX, "
                    f"{shared} bytes of static shared memory"
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
