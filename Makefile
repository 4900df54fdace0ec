# Continuum: `make run` brings the whole system up, `make test` runs every test. Both set themselves up.
# The venv has the runtime (shared/), the services and the development tools (shared-dev/, continuum-dev);
# a service image has only the first two (deploy/Dockerfile).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SERVICES := services/project-svc services/service-svc services/handover-svc services/metrics-svc
PACKAGE_FILES := shared/pyproject.toml shared-dev/pyproject.toml $(addsuffix /pyproject.toml,$(SERVICES)) constraints.txt requirements-dev.txt

.PHONY: help run test soak bench loopbench migrate token infra lint clean demo chromium

help:
	@echo "make run      start PostgreSQL, Kafka and the four services (Ctrl-C stops everything)"
	@echo "make test     run the whole test suite against the real PostgreSQL and Kafka"
	@echo "make soak     the fault-injection suite (tests/reliability) with its long profile: more load, longer faults"
	@echo "make migrate  apply every service's migrations (DATABASE_URL or the local server)"
	@echo "make token ROLE=sponsor   print a development token"
	@echo "make demo     seed a living organisation into a running make run stack; prints the dashboard URL"
	@echo "make infra    start only PostgreSQL and Kafka"
	@echo "make lint     check the import rules (import-linter)"
	@echo "make bench    benchmarks beside their baselines (writes docs/benchmarks.md; not part of make test)"
	@echo "make loopbench  the improvement loop's judgement on generated histories through the real stack"
	@echo "               (LOOPBENCH_ARGS='--seeds 1 2 3 --replicas 1 2'; writes docs/benchmarks.md)"

$(STAMP): $(PACKAGE_FILES)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "continuum: Python 3.11 or newer is needed (set PYTHON=...)"; exit 2; }
	@echo "[continuum] installing Python packages into $(VENV) ..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -c constraints.txt -e shared -e shared-dev $(addprefix -e ,$(SERVICES)) -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	@$(BIN)/continuum run

test: $(STAMP) chromium
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

# the dashboard test drives headless Chromium (Debian's package; installed as root when missing)
chromium:
	@./tools/ensure-chromium.sh

demo: $(STAMP)
	@$(BIN)/python -m continuum_dev.demo $(DEMO_ARGS)

soak: $(STAMP)
	@RELIABILITY_SOAK=1 $(BIN)/python -m pytest tests/reliability $(PYTEST_ARGS)

bench: $(STAMP)
	@$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-bench.txt
	@$(BIN)/python -m tests.perf.bench $(BENCH_ARGS)

loopbench: $(STAMP)
	@$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-bench.txt
	@$(BIN)/python -m tests.perf.loopbench $(LOOPBENCH_ARGS)

migrate: $(STAMP)
	@$(BIN)/continuum migrate

token: $(STAMP)
	@$(BIN)/continuum token --role $(or $(ROLE),admin)

infra: $(STAMP)
	@$(BIN)/continuum infra

lint: $(STAMP)
	@$(BIN)/lint-imports

clean:
	rm -rf .run/test $(VENV)
