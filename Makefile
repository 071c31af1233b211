# Two commands for a newcomer: `make demo` and `make test`. Each bootstraps .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= ./data

.PHONY: demo test lint fmt bench dev serve simulator clean browser

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(STAMP): pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	SMS_DATA_DIR=$(DATA) $(BIN)/sms-analytics demo

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Headless Chromium for the report's browser test (Debian package).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the report test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "could not install chromium: the browser test will be skipped"; }

bench: $(STAMP)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev,bench]'
	$(BIN)/python -m bench

dev: $(STAMP)
	$(BIN)/dagster dev -w workspace.yaml

# Long-running deployment: daemon + webserver with deploy/dagster.yaml (docs/deployment.md).
serve: $(STAMP)
	deploy/serve.sh

simulator: $(STAMP)
	$(BIN)/sms-simulator --tasks 5000 --seed 7

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache
