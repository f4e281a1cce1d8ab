"""The Numba CPU backend (``backend="numba"``), one algorithm per module.

* :mod:`.backend` -- the backend module the registry loads (its docstring says how the kernels work);
* :mod:`.frames` -- what every kernel shares: lanes of frames, the chirp recurrence, the gather,
  the forward block and the stores of its rows;
* :mod:`.forward`, :mod:`.inverse`, :mod:`.render` -- the three parallel kernels;
* :mod:`.decibels` -- the vectorised decibel conversion of the render kernel;
* :mod:`.autorate` -- the fused candidate scan of ``chirp_rate="auto"``;
* :mod:`.lanefft` -- the FFT with frames in SIMD lanes;
* :mod:`.launch` -- kernel launches, and the background compile of the automatic backend choice.
"""
