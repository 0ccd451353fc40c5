# LearnPulse task runner. `make up` runs the whole stack; `make test` runs lint + tests.
PY ?= python3.11
VENV := .venv
MLFLOW_VENV := .venv-mlflow
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MLFLOW_STAMP := $(MLFLOW_VENV)/.installed
NODE_STAMP := node_modules/.installed
PROTO_OUT := learnpulse/risk/v1/risk_pb2.py

.PHONY: up test lint typecheck unit e2e proto install install-mlflow node clean

up: install install-mlflow proto ## run the whole stack on embedded defaults
	$(BIN)/learnpulse up

test: install install-mlflow node proto lint ## lint + the whole test suite
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy learnpulse services gateway ml

unit: install proto
	$(BIN)/pytest -q tests/unit

e2e: install install-mlflow proto
	$(BIN)/pytest -q tests/e2e

install: $(STAMP)
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# mlflow's graphene pins graphql-core below what strawberry needs: the server gets its own venv
# (with lightgbm, so `mlflow models serve` can load our models for `learnpulse bench risk`).
install-mlflow: $(MLFLOW_STAMP)
$(MLFLOW_STAMP):
	test -x $(MLFLOW_VENV)/bin/python || $(PY) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/pip install -q --upgrade pip
	$(MLFLOW_VENV)/bin/pip install -q 'mlflow==3.17.2' 'lightgbm==4.7.0'
	touch $@

# Node tools for tests and benchmarks: a reference federation composer and Hive Gateway.
node: $(NODE_STAMP)
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

proto: $(PROTO_OUT)
$(PROTO_OUT): protos/learnpulse/risk/v1/risk.proto $(STAMP)
	$(BIN)/python -m learnpulse.protogen

clean:
	rm -rf $(VENV) $(MLFLOW_VENV) .learnpulse node_modules
