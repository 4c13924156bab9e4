# Rewire: `make run` serves the site, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Local development runs with DEBUG on; production sets SECRET_KEY and ALLOWED_HOSTS instead.
DEV    := DEBUG=$${DEBUG-1}

.PHONY: run install migrate load test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt build-constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip==26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--build-constraint build-constraints.txt -c constraints.txt --group app --group test
	touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV) $(BIN)/python manage.py migrate --noinput

load: migrate
	$(DEV) $(BIN)/python manage.py load_articles

run: load
	@echo ""
	@echo "  Rewire is running at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo ""
	$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install
	$(BIN)/ruff check .
	$(DEV) $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
