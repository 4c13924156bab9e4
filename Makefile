# Rewire: `make run` serves the site, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Local development runs with DEBUG on; production sets SECRET_KEY and ALLOWED_HOSTS instead.
DEV    := DEBUG=$${DEBUG-1} SITE_OPERATOR="$${SITE_OPERATOR-Example Operator (set SITE_OPERATOR)}" \
          SITE_CONTACT_EMAIL="$${SITE_CONTACT_EMAIL-set-SITE_CONTACT_EMAIL@example.org}"

.PHONY: run install migrate load check test screenshots test-postgres lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip==26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt --group app --group test
	touch $@

install: $(VENV)/.installed

migrate: install
	$(DEV) $(BIN)/python manage.py migrate --noinput

load: migrate
	$(DEV) $(BIN)/python manage.py load_articles

# Beside the server, the mail sender (mail/management/commands/run_mail_sender.py): it prints recovery links,
# retries and the moderators' notices to the console as the production timer sends them. Stopped with the server.
run: load
	@echo ""
	@echo "  Rewire is running at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo ""
	$(DEV) $(BIN)/python manage.py run_mail_sender & sender=$$!; trap 'kill $$sender 2>/dev/null' EXIT INT TERM; \
		$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Browser tests need Debian's Chromium at /usr/bin/chromium; without it they are skipped, loudly.
CHROMIUM ?= /usr/bin/chromium
# `make test-postgres` runs the whole suite on PostgreSQL (pytest-django creates and drops test_<name>).
PG_URL   ?= postgres://postgres@127.0.0.1:5432/test

# Tests run in parallel (pytest-xdist): one worker per core, at most 4. `make test TEST_WORKERS=0` runs them in
# one process, one after another (as does PYTEST_ARGS="-n0", or plain `.venv/bin/python -m pytest`).
TEST_WORKERS ?= auto

# The same checks as .pre-commit-config.yaml, then the tests.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

test: check
	@test -x $(CHROMIUM) || echo "WARNING: $(CHROMIUM) not found: the browser tests will be SKIPPED (apt-get install chromium)."
	$(DEV) $(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses=4 $(PYTEST_ARGS)

# The browser tests again, saving screenshots of the pages they open in test-artifacts/ for a person to look at.
screenshots: install
	SCREENSHOTS=1 $(DEV) $(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses=4 -m browser $(PYTEST_ARGS)

test-postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not running on 127.0.0.1:5432. Start it with:"; \
		echo "  pg_ctlcluster --skip-systemctl-redirect \$$(ls /etc/postgresql) main start"; exit 1; }
	DATABASE_URL=$(PG_URL) $(MAKE) test

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
