"""The Numba backend with ``NUMBA_DISABLE_JIT=1`` (see ``tests/nojit_cases.py``).

A subprocess, because ``NUMBA_DISABLE_JIT`` is read when Numba is first imported, which has
happened long before any test here runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_numba_backend_without_the_jit_equals_the_reference():
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    cmd = [sys.executable, "-m", "pytest", "tests/nojit_cases.py", "-q", "-p", "no:cacheprovider", "-x"]
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    tail = "\n".join((run.stdout + run.stderr).splitlines()[-40:])
    assert run.returncode == 0, tail
    assert " passed" in tail and "skipped" not in tail, tail
