# stockpred: `make run` and `make test` work offline on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Scanners with heavy dependency trees live in their own virtualenv.
TOOLS := .venv-tools
TOOLS_INSTALLED := $(TOOLS)/.installed

# Deployment (see README "Deploying to AWS")
NAME ?= stockpred
DOCKER ?= docker
IMAGE_TAG ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
STEPS := ingest process train infer
TF := terraform -chdir=terraform
TF_VARS := -var image_tag=$(IMAGE_TAG)
LAMBDA_ZIP := build/lambda.zip

.PHONY: help install lock lock-tools scan run report bench test test-images lint format docs clean lambda-zip build push plan \
	deploy destroy start-training repositories clean-tree tf-init

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(INSTALLED) ## Create .venv and install the package with pinned dependencies

$(TOOLS_INSTALLED): constraints-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet -c constraints-tools.txt checkov
	touch $@

lock-tools: ## Re-resolve and pin the scanners' virtualenv in constraints-tools.txt
	rm -rf $(TOOLS) && $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet checkov
	{ echo "# Pinned versions of the tools venv (checkov), used by make scan. Regenerate: make lock-tools"; \
	  $(TOOLS)/bin/pip freeze; } > constraints-tools.txt
	touch $(TOOLS_INSTALLED)

scan: $(TOOLS_INSTALLED) ## Security scan of terraform/ (checkov: no failed checks; skips are inline, with reasons)
	$(TOOLS)/bin/checkov --directory terraform --framework terraform --quiet --compact --skip-download

lock: ## Re-resolve the dependencies and pin them all in constraints.txt
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e '.[dev]'
	{ echo "# Pinned versions of every dependency (make install uses: pip install -c constraints.txt)."; \
	  echo "# Regenerate: make lock"; .venv-lock/bin/pip freeze --exclude-editable; } > constraints.txt
	rm -rf .venv-lock

run: $(INSTALLED) ## Run the training pipeline, then the inference pipeline (local runner)
	$(BIN)/stockpred pipeline run training
	$(BIN)/stockpred pipeline run inference

test: $(INSTALLED) lint scan ## Lint, scan, then run the whole test suite (offline)
	$(BIN)/pytest

lint: $(INSTALLED) ## ruff (lint, format), bandit (no medium/high findings), detect-secrets
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	@# (bandit warns "nosec encountered" on each AST node of a marked line: noise, filtered)
	$(BIN)/bandit --quiet --recursive --severity-level medium src 2> >(grep -v "nosec encountered" >&2)
	@$(BIN)/detect-secrets scan $$(git ls-files) | $(BIN)/python -c \
	  'import json, sys; found = json.load(sys.stdin)["results"]; print("detect-secrets:", found or "no secrets"); sys.exit(bool(found))'

docs: $(INSTALLED) ## Regenerate the inputs/outputs tables of terraform/README.md
	$(BIN)/python scripts/terraform_docs.py

format: $(INSTALLED) ## Format the code with ruff
	$(BIN)/ruff format src tests scripts benchmarks
	$(BIN)/ruff check --fix src tests scripts benchmarks

report: $(INSTALLED) ## Backtest report 2000-2024 (HTML, PNGs) and the registered model's card
	$(BIN)/stockpred pipeline run training
	$(BIN)/stockpred report

bench: $(INSTALLED) ## Benchmarks (pipelines, backtest, serving vs a naive server): docs/benchmarks.md
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "the serving benchmark needs wrk (apt-get install wrk)"; exit 1; }
	$(BIN)/python benchmarks/bench.py

test-images: ## Build the four images with podman and run their SageMaker contracts (root)
	bash containers/test-images.sh

lambda-zip: ## Build the Lambda package (reproducible zip) into build/lambda.zip
	$(PYTHON) scripts/build_lambda_zip.py $(LAMBDA_ZIP)

build: clean-tree ## Build the four step images for linux/amd64, tagged with the git commit
	@for step in $(STEPS); do \
	  echo "building $(NAME)-$$step:$(IMAGE_TAG)"; \
	  $(DOCKER) build --platform linux/amd64 -f containers/$$step/Dockerfile \
	    -t $(NAME)-$$step:$(IMAGE_TAG) . || exit 1; \
	done

clean-tree:
	@git diff --quiet HEAD -- || { echo "Commit your changes first: images are tagged with the commit and ECR tags are immutable."; exit 1; }

tf-init:
	$(TF) init -input=false

repositories: tf-init lambda-zip ## Create the ECR repositories (first deployment: before the first push)
	$(TF) apply -input=false $(TF_VARS) -target='aws_ecr_repository.this'

push: ## Log in to ECR and push the images (a tag already in ECR is skipped: tags are immutable)
	@region=$$($(TF) output -raw aws_region); \
	urls=$$($(TF) output -json ecr_repository_urls); \
	registry=$$(echo "$$urls" | $(PYTHON) -c 'import json,sys; print(next(iter(json.load(sys.stdin).values())).split("/")[0])'); \
	aws ecr get-login-password --region $$region | $(DOCKER) login --username AWS --password-stdin $$registry || exit 1; \
	for step in $(STEPS); do \
	  url=$$(echo "$$urls" | $(PYTHON) -c "import json,sys; print(json.load(sys.stdin)['$$step'])"); \
	  if aws ecr describe-images --region $$region --repository-name $(NAME)-$$step \
	       --image-ids imageTag=$(IMAGE_TAG) >/dev/null 2>&1; then \
	    echo "$$url:$(IMAGE_TAG) is already in ECR"; continue; fi; \
	  $(DOCKER) tag $(NAME)-$$step:$(IMAGE_TAG) $$url:$(IMAGE_TAG) && \
	  $(DOCKER) push $$url:$(IMAGE_TAG) || exit 1; \
	done

plan: tf-init lambda-zip ## terraform plan for the current commit's images (writes terraform/tfplan)
	$(TF) plan -input=false $(TF_VARS) -out=tfplan

deploy: clean-tree lambda-zip build repositories push ## Build, push and apply: the whole system on AWS
	$(TF) apply -input=false $(TF_VARS)

start-training: ## Start the training pipeline on AWS now (the first deployment has no model until it runs)
	aws sagemaker start-pipeline-execution --region $$($(TF) output -raw aws_region) \
	  --pipeline-name $$($(TF) output -json sagemaker_pipeline_names | $(PYTHON) -c 'import json,sys; print(json.load(sys.stdin)["training"])')

destroy: tf-init lambda-zip ## Destroy the AWS stack (the bucket and table must be emptied first unless force_destroy)
	$(TF) destroy -input=false $(TF_VARS)

clean: ## Remove the virtualenv, caches and local state (.stockpred)
	rm -rf $(VENV) $(TOOLS) .stockpred .pytest_cache .ruff_cache build
