# GBI - the documented entry points. `make run` starts the suite, `make test` runs every check and test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV_VERSION := 0.13.9
UV := python3 -m uv
PY := .venv/bin/python
SRC := shared/src gateway/src services/interaction/src services/process/src services/integration/src \
       services/domain/src services/data/src deploy/simulator/src deploy/runner/src tools
SPECTRAL := tools/spectral/node_modules/.bin/spectral
ADR_RULESET := ../shared/specs/adr/adr-2.1.0-spectral.yaml

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.venv/.synced: uv.lock pyproject.toml $(wildcard */pyproject.toml services/*/pyproject.toml deploy/*/pyproject.toml)
	python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen --python 3.11
	@touch $@

.PHONY: env
env: .venv/.synced ## create the environment from the lock file

WEB_ASSETS := services/interaction/web-assets
$(WEB_ASSETS)/node_modules/.installed: $(WEB_ASSETS)/package-lock.json
	cd $(WEB_ASSETS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: web
web: $(WEB_ASSETS)/node_modules/.installed ## install the web pages' assets from npm (NL Design System CSS, axe-core)

$(SPECTRAL): tools/spectral/package-lock.json
	cd tools/spectral && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: run
run: env web ## start the whole suite (SQLite by default; GBI_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
	$(PY) -m gbi_runner

.PHONY: lint
lint: env ## ruff lint and format check
	$(UV) run --frozen ruff check --output-format concise .
	$(UV) run --frozen ruff format --check .

.PHONY: typecheck
typecheck: env ## mypy --strict over every package
	$(UV) run --frozen mypy $(SRC)

.PHONY: contracts
contracts: env ## import contracts: no service imports another
	$(UV) run --frozen lint-imports

.PHONY: openapi
openapi: env ## regenerate the committed OpenAPI documents
	$(PY) tools/openapi.py write

.PHONY: openapi-check
openapi-check: env ## fail when a committed OpenAPI document differs from the code
	$(PY) tools/openapi.py check

.PHONY: api-lint
api-lint: env $(SPECTRAL) ## lint the public OpenAPI with the NL API Design Rules (Spectral)
	$(SPECTRAL) lint --fail-severity error -r $(ADR_RULESET) gateway/src/gbi_gateway/openapi.json

.PHONY: pytest
pytest: env web ## all tests (unit, api, contract, end-to-end)
	$(UV) run --frozen pytest -q -p no:cacheprovider

.PHONY: test
test: lint typecheck contracts openapi-check api-lint pytest ## every check and every test

.PHONY: test-faults
test-faults: env ## fault suite: kills, restarts and outages under concurrent ALO applications (own PostgreSQL)
	GBI_FAULTS=1 $(UV) run --frozen pytest -q -p no:cacheprovider --timeout 900 tests/fault

.PHONY: bench
bench: env ## benchmarks (prints a table, writes bench/results.json)
	$(PY) tests/bench/run.py

.PHONY: bench-quick
bench-quick: env ## the same benchmarks at small sizes
	$(PY) tests/bench/run.py --quick

.PHONY: token
token: env ## print a token, e.g. make token ARGS="burger --bsn 999993653"
	$(PY) -m gbi_simulator.token $(ARGS)

.PHONY: clean
clean: ## remove the environment and local data
	rm -rf .venv var .mypy_cache .ruff_cache .pytest_cache tools/spectral/node_modules
