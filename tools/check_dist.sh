#!/usr/bin/env bash
# Checks the two distributions as a user gets them: each wheel installed into a clean virtualenv.
#   usage: tools/check_dist.sh PYTHON DISTDIR
# - the chirpstft wheel holds no seisem file and no console script; `import chirpstft` and a transform
#   work with only its runtime dependencies (the result is checked against a direct DFT);
# - the seisem wheel requires chirpstft; `import seisem` and `seisem --help` work without TensorFlow;
# - building each sdist prints no packaging deprecation warning.
set -euo pipefail
PYTHON="${1:-python3}"
DIST="$(cd "${2:-dist}" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "check_dist: FAIL: $*" >&2; exit 1; }

shopt -s nullglob
CW=("$DIST"/chirpstft-*.whl); SW=("$DIST"/seisem-*.whl)
CS=("$DIST"/chirpstft-*.tar.gz); SS=("$DIST"/seisem-*.tar.gz)
[ ${#CW[@]} -eq 1 ] && [ ${#SW[@]} -eq 1 ] && [ ${#CS[@]} -eq 1 ] && [ ${#SS[@]} -eq 1 ] \
  || fail "expected one wheel and one sdist of each distribution in $DIST"

echo "== chirpstft wheel: contents"
"$PYTHON" - "${CW[0]}" "${SW[0]}" <<'PY'
import sys, zipfile
cw, sw = (zipfile.ZipFile(p) for p in sys.argv[1:3])
names = cw.namelist()
bad = [n for n in names if n.startswith("seisem")]
assert not bad, f"chirpstft wheel holds seisem files: {bad[:5]}"
assert not any(n.endswith("entry_points.txt") for n in names), "chirpstft wheel declares entry points"
meta = next(cw.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
assert "seisem" not in meta.lower(), "chirpstft metadata mentions seisem"
assert "tensorflow" not in meta.lower() and "keras" not in meta.lower(), "chirpstft metadata lists ML packages"
assert "License-Expression: BSD-3-Clause" in meta, "chirpstft metadata has no SPDX license expression"
snames = sw.namelist()
assert not [n for n in snames if n.startswith("chirpstft/")], "seisem wheel holds chirpstft files"
smeta = next(sw.read(n).decode() for n in snames if n.endswith(".dist-info/METADATA"))
req = [l for l in smeta.splitlines() if l.startswith("Requires-Dist: chirpstft")]
assert req and ("<" in req[0] or "~=" in req[0]), f"seisem must require chirpstft with a version bound: {req}"
ep = next(sw.read(n).decode() for n in snames if n.endswith("entry_points.txt"))
assert "seisem = seisem.cli:main" in ep, "seisem wheel has no `seisem` command"
print("ok: chirpstft wheel", len(names), "files, seisem wheel", len(snames), "files;", req[0])
PY

echo "== chirpstft alone in a clean virtualenv"
"$PYTHON" -m venv "$WORK/c"
"$WORK/c/bin/python" -m pip install --quiet --upgrade pip
"$WORK/c/bin/python" -m pip install --quiet "${CW[0]}"
[ ! -e "$WORK/c/bin/seisem" ] || fail "installing chirpstft created a seisem command"
(cd "$WORK" && "$WORK/c/bin/python" - <<'PY'
import importlib.util, numpy as np
import chirpstft
assert importlib.util.find_spec("seisem") is None, "seisem is importable after installing chirpstft alone"
for extra in ("pandas", "tensorflow", "keras", "matplotlib", "dask"):
    assert importlib.util.find_spec(extra) is None, f"{extra} came with chirpstft's runtime dependencies"
rng = np.random.default_rng(0)
x = rng.standard_normal(256)
n_fft, hop, rate, fs = 32, 8, 0.01, 1.0
S = chirpstft.stft(x, n_fft=n_fft, hop_length=hop, chirp_rate=rate, fs=fs, center=False, window="hann")
# the definition, directly: S[k, m] = sum_n x[m*hop+n] conj(g[n]) exp(-2j*pi*k*n/n_fft), g = w exp(j*pi*rate*tau^2)
n = np.arange(n_fft)
w = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)
tau = (n - n_fft // 2) / fs
g = w * np.exp(1j * np.pi * rate * tau**2)
frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
ref = np.fft.fft(frames * np.conj(g), axis=-1).T
ref = ref[: S.shape[0]] if S.shape[0] != n_fft else ref
err = np.max(np.abs(S - ref)) / np.max(np.abs(ref))
assert S.shape == ref.shape and err < 1e-12, f"stft deviates from the definition by {err:.1e}"
print(f"ok: chirpstft {chirpstft.__version__}, stft {S.shape}, max relative deviation from the definition {err:.1e}")
PY
) || fail "chirpstft with only its runtime dependencies"
# the user's benchmark from the installed wheel: every answer checked against the float64 reference, the
# peers that are not installed (librosa, torch, cupyx: not runtime dependencies) listed as skipped, exit 0
echo "== python -m chirpstft bench --quick (runtime dependencies only)"
(cd "$WORK" && "$WORK/c/bin/python" -m chirpstft bench --quick --json "$WORK/bench.json" > "$WORK/bench.txt") \
  || { cat "$WORK/bench.txt"; fail "python -m chirpstft bench --quick"; }
cat "$WORK/bench.txt"
for peer in librosa torch cupyx.scipy.signal; do
  grep -q "^peer $peer: skipped (not installed)" "$WORK/bench.txt" \
    || fail "bench --quick does not list the missing peer $peer as skipped"
done
"$WORK/c/bin/python" -c "import json, sys; d = json.load(open(sys.argv[1])); assert d['results'] and all(r['status'] == 'ok' for r in d['results'])" \
  "$WORK/bench.json" || fail "bench --quick --json wrote no valid results"

echo "== seisem (with chirpstft, without TensorFlow) in a clean virtualenv"
"$PYTHON" -m venv "$WORK/s"
"$WORK/s/bin/python" -m pip install --quiet --upgrade pip
"$WORK/s/bin/python" -m pip install --quiet "${CW[0]}" "${SW[0]}"
(cd "$WORK" && "$WORK/s/bin/python" -c "
import importlib.util, seisem
assert importlib.util.find_spec('tensorflow') is None, 'TensorFlow came with seisem without [ml]'
print('ok: import seisem', seisem.__version__)
") || fail "import seisem"
"$WORK/s/bin/seisem" --help > "$WORK/help.txt" || fail "seisem --help without TensorFlow"
head -2 "$WORK/help.txt"

echo "== sdists build without packaging warnings"
for sd in "${CS[0]}" "${SS[0]}"; do
  "$WORK/s/bin/python" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/w" "$sd" -v \
    > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "building $(basename "$sd")"; }
  if grep -n -i -E "deprecat|SetuptoolsWarning|_DeprecatedConfig" "$WORK/build.log"; then
    fail "building $(basename "$sd") printed packaging warnings (above)"
  fi
done
echo "ok: both sdists build without warnings"
echo "check_dist: all checks passed"
