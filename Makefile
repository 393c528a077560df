# stockpred: `make run` and `make test` work offline on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: help install lock run test lint format clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(INSTALLED) ## Create .venv and install the package with pinned dependencies

lock: ## Re-resolve the dependencies and pin them all in constraints.txt
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e '.[dev]'
	{ echo "# Pinned versions of every dependency (make install uses: pip install -c constraints.txt)."; \
	  echo "# Regenerate: make lock"; .venv-lock/bin/pip freeze --exclude-editable; } > constraints.txt
	rm -rf .venv-lock

run: $(INSTALLED) ## Run the training pipeline, then the inference pipeline (local runner)
	$(BIN)/stockpred pipeline run training
	$(BIN)/stockpred pipeline run inference

test: $(INSTALLED) lint ## Lint, then run the whole test suite
	$(BIN)/pytest

lint: $(INSTALLED) ## ruff (lint and format check)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

format: $(INSTALLED) ## Format the code with ruff
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean: ## Remove the virtualenv, caches and local state (.stockpred)
	rm -rf $(VENV) .stockpred .pytest_cache .ruff_cache
