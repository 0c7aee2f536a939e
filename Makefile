# DealDesk: `make demo` serves the app with demo data; `make test` runs every check.
# Both set up what they need on a fresh machine (virtualenv, packages, Debian packages).

PYTHON ?= python3
TOOLS := var/tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/dealdesk

.PHONY: demo test lint format messages install system-demo system-test clean bench

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

install: $(UV)
	$(UV) sync --locked --python $(PYTHON) --quiet
	$(UV) run --no-sync pybabel compile --domain django --directory dealdesk/locale --statistics

system-demo:
	bash scripts/system-packages.sh demo

system-test:
	bash scripts/system-packages.sh test

demo: system-demo install
	bash scripts/demo.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: system-test lint
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-redis.sh
	DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest

# Benchmarks (not part of `make test`): writes bench/results.md, see bench/README.md.
bench: system-demo install
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-redis.sh
	timeout 900 $(PY) -m bench.run

messages: install
	$(PY) manage.py makemessages --locale de --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'stripe_sandbox/*'

clean:
	rm -rf $(VENV) $(TOOLS) var/static
