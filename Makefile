# Two commands on a fresh machine: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system-packages build test dev watch bench bench-memory faults fuzz clean

# From Debian's packages: headless Chromium and a CJK font for the site's browser tests, R's readr for the CSV tests,
# Redis as the Celery broker of the distributed build's test.
SYSTEM_PACKAGES := chromium fonts-wqy-zenhei r-cran-readr redis-server

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

build: setup  # recorded in the same Dagster instance as `make dev`, so the UI shows it
	mkdir -p .dagster
	DAGSTER_HOME=$(CURDIR) $(BIN)/yrdpm build
	$(BIN)/yrdpm site

system-packages:
	@command -v chromium >/dev/null && command -v redis-server >/dev/null && fc-list 2>/dev/null | grep -qi wqy && Rscript -e 'library(readr)' >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null)

test: setup system-packages
	$(BIN)/ruff check pipelines validation yrdpm tests scripts
	$(BIN)/mypy pipelines validation yrdpm
	$(BIN)/python -m pytest

dev: setup
	mkdir -p .dagster
	DAGSTER_HOME=$(CURDIR) $(BIN)/dagster dev -m pipelines.definitions

watch: setup  # rebuild whenever raw/ changes, in one process (runs recorded in the instance `make dev` shows)
	mkdir -p .dagster
	DAGSTER_HOME=$(CURDIR) $(BIN)/yrdpm watch

faults: setup  # the kill test at 40 points of a build instead of 5
	YRDPM_KILL_POINTS=40 $(BIN)/python -m pytest tests/test_faults.py

fuzz: setup  # the property tests with 2,000 examples each instead of 25
	YRDPM_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest tests/test_fuzz.py

bench: setup
	$(BIN)/python scripts/benchmark.py

bench-memory: setup  # peak memory of a build of 10,000 synthetic documents, per phase (about 5 minutes)
	$(BIN)/python scripts/benchmark.py --memory 10000

clean:
	rm -rf $(VENV) .dagster .pytest_cache
