# make demo / make test work on a fresh machine with only python3: they create .venv,
# install what they need into it, and run.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: demo test bench lint format clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[demo,ml]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev,demo,ml]"
	touch $@

# the main job: a synthetic AETA-like network written to files, the dataset build, the
# improved VGG trained on the CPU, the honest evaluation and the report (out/demo/seisem/run/report.html)
demo: $(VENV)/.installed-demo
	$(PY) examples/chirp_demo.py --out out/demo
	$(BIN)/seisem demo --out out/demo/seisem

test: $(VENV)/.installed-dev
	$(PY) -m pytest tests src README.md

bench: $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -e ".[bench]"
	mkdir -p out
	$(PY) -m pytest bench -s --benchmark-only --benchmark-columns=min,median,mean,stddev,rounds \
		--benchmark-group-by=group --benchmark-sort=mean --benchmark-min-rounds=10 \
		--benchmark-json=out/bench.json
	$(PY) bench/report.py out/bench.json

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench examples
	$(BIN)/ruff check --fix src tests bench examples

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .benchmarks build src/*.egg-info
