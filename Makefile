# make demo / make test work on a fresh machine with only python3: they create .venv,
# install what they need into it, and run.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: demo test check-science bench lint format clean docs dist dist-check browser-check

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Two distributions from this repository, installed editable: chirpstft (the root pyproject.toml)
# and seisem (packaging/seisem/pyproject.toml, code in src/seisem/). Development-only requirements are
# the dependency groups of the root pyproject.toml (pip >= 25.1: --group).
PROJECTS := pyproject.toml packaging/seisem/pyproject.toml

$(VENV)/.installed-demo: $(PROJECTS) | $(PY)
	$(PY) -m pip install --quiet -e ".[plot]" -e "./packaging/seisem[ml]"
	touch $@

$(VENV)/.installed-dev: $(PROJECTS) | $(PY)
	$(PY) -m pip install --quiet -e ".[plot,dask]" -e "./packaging/seisem[ml,obspy]" --group test
	touch $@

$(VENV)/.installed-docs: $(PROJECTS) $(VENV)/.installed-dev
	$(PY) -m pip install --quiet --group docs
	touch $@

$(VENV)/.installed-dist: $(PROJECTS) | $(PY)
	$(PY) -m pip install --quiet --group dist
	touch $@

# the main job: a synthetic AETA-like network written to files, the dataset build, the
# improved VGG trained on the CPU, the honest evaluation and the report (out/demo/seisem/run/report.html)
demo: $(VENV)/.installed-demo
	$(PY) examples/chirp_demo.py --out out/demo
	$(BIN)/seisem demo --out out/demo/seisem

# the kernels are compiled first, in one process per core (`python -m chirpstft warmup --jobs`), so
# that the test processes load them instead of compiling the same ones side by side; then pytest
# runs on every core (pytest-xdist; at most 4 workers: each seisem test process holds TensorFlow)
TEST_JOBS ?= $(shell $(PYTHON) -c "import os; n = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count(); print(max(1, min(4, n or 1)))")
test: $(VENV)/.installed-dev
	$(PY) -m chirpstft warmup --jobs $(TEST_JOBS) --quiet
	$(PY) -m pytest -n $(TEST_JOBS) --dist worksteal tests src README.md docs

# the science checks (tests/science): the controls' positive and negative cases with the CNN over
# several seeds (seisem demo --size small, one training each; tens of minutes on 2 cores)
check-science: $(VENV)/.installed-dev
	SEISEM_SCIENCE=1 $(PY) -m pytest -n $(TEST_JOBS) --dist worksteal tests/science

# the thorough fuzz profile (issue 15): 10,000 cases per chirpstft entry point, 2,000 mutations
# per seisem reader; counts per reader are printed (and go to $(FUZZ_REPORT) when set)
.PHONY: fuzz
fuzz: $(VENV)/.installed-dev
	FUZZ_PROFILE=thorough $(PY) -m pytest tests/fuzz -s -p no:logging

bench: $(VENV)/.installed-dev
	$(PY) -m pip install --quiet --group bench
	mkdir -p out
	$(PY) -m pytest bench -s --benchmark-only --benchmark-columns=min,median,mean,stddev,rounds \
		--benchmark-group-by=group --benchmark-sort=mean --benchmark-min-rounds=10 \
		--benchmark-json=out/bench.json
	$(PY) bench/report.py out/bench.json

# the browser check (issue 28; not part of `make test`): a demo report (seisem demo --size tiny, about a
# minute) and, when built (`make docs`), the site's pages, rendered in headless Chromium at 1280 and 390 px;
# fails on sideways overflow, broken images, raw markup or untypeset maths, a broken table row, code
# wider than its box, a build-machine path on the site, a request to the network (pages are opened
# offline), a missing viewport and images without alt text.
# Needs the system Chromium (Debian: apt-get install chromium; or CHROMIUM=/path). Screenshots and
# summary.json in out/browser-check
$(VENV)/.installed-browser: $(PROJECTS) $(VENV)/.installed-demo
	$(PY) -m pip install --quiet --group browser
	touch $@

browser-check: $(VENV)/.installed-browser
	$(PY) tools/browser_check.py --demo --docs docs/_build/html --out out/browser-check

# the documentation site (Sphinx): warnings are errors, then every internal link is checked
# (the gallery waits for its kernels: its pictures never depend on how far a compile got)
docs: export CHIRPSTFT_BACKGROUND_COMPILE = 0
docs: $(VENV)/.installed-docs
	rm -rf docs/_build docs/gallery docs/api/generated
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html
	$(BIN)/sphinx-build -W --keep-going -b linkcheck -D plot_gallery=0 docs docs/_build/linkcheck

# wheels and sdists of both distributions into dist/, checked by twine
dist: $(VENV)/.installed-dist
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(PY) -m build --outdir dist packaging/seisem
	$(BIN)/twine check --strict dist/*

# each wheel installed into a clean virtualenv: what it holds, what it needs, what it runs
dist-check: dist
	bash tools/check_dist.sh $(PYTHON) dist

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench examples
	$(BIN)/ruff check --fix src tests bench examples

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .benchmarks build dist src/*.egg-info docs/_build docs/gallery docs/api/generated
