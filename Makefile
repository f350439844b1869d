# CE Ledger: `make run` (demo on SQLite) and `make test` (every test) do all set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Debian packages the tests use: a browser, PDF and QR readers, fast font subsetting.
SYSTEM_PACKAGES := chromium libharfbuzz-subset0 poppler-utils zbar-tools xmlsec1

.PHONY: run test lint format typecheck bench worker system-deps browser clean

$(BIN)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 12) else "CE Ledger needs Python 3.12 (see .python-version).")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# The demo: SQLite, console email, links and QR codes pointing at this port.
run: export DEBUG = true
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py seed_demo
	@echo "CE Ledger is running at http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	@echo "Emails the task worker sends (certificates with their PDFs) are saved in ./mail/"
	@trap 'kill 0' EXIT; export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend; \
	 $(BIN)/python manage.py outbox_worker & \
	 $(BIN)/python manage.py db_worker --queue-name '*' -v0 & \
	 while true; do $(BIN)/python manage.py send_reminders -v0 >/dev/null; sleep 3600; done & \
	 $(BIN)/python manage.py runserver --skip-checks 127.0.0.1:$(PORT)

# The outbox worker delivers emails, certificates and exports; db_worker runs django.tasks.
worker: $(BIN)/.installed
	$(BIN)/python manage.py outbox_worker & $(BIN)/python manage.py db_worker --queue-name '*'

# Installs what the tests read with (Debian packages, as root) when it is missing.
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages:$$missing (install them, or run make test as root)"; fi; \
	fi

# A browser for the Playwright tests: Debian's chromium, else Playwright's own download.
browser: $(BIN)/.installed system-deps
	@command -v chromium >/dev/null || [ -n "$$CHROMIUM_PATH" ] || $(BIN)/playwright install chromium || \
	  { echo "No browser: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH."; exit 1; }

test: $(BIN)/.installed node_modules/.installed browser
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/mypy celedger config

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The closing rush on PostgreSQL and Redis (bench/README.md): 300 learners; FULL=1 5,000;
# BY_STEP=1 every step alone, each learner taking it before any takes the next.
bench: $(BIN)/.installed
	$(BIN)/python bench/closing_rush.py $(if $(FULL),--full) $(if $(BY_STEP),--by-step)

clean:
	rm -rf $(VENV) node_modules db.sqlite3* media staticfiles
