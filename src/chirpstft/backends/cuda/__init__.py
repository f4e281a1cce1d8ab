"""The CUDA backend (``backend="cupy"``), one algorithm per module.

* :mod:`.backend` -- the backend module the registry loads: availability checks, CuPy hooks;
* :mod:`.device` -- the orchestration, generic over the array module (CuPy, or NumPy under the
  CUDA simulator in the tests);
* :mod:`.kernels` -- the general Numba CUDA kernels (gather, reorder, overlap-add, render);
* :mod:`.fused` -- the fused shared-memory kernels for power-of-two sizes;
* :mod:`.tiles` -- their tile geometry and global-memory traffic (plain Python).
"""
