# Two commands set up a fresh machine: `make run` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PICCOLO_CONF := piccolo_conf

.PHONY: run test test-sqlite test-postgres test-unit bench install messages translations migrate demo clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

# Compile the gettext catalogs (.po -> .mo); the .mo files are build output, not committed.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d agency/locale -D messages --statistics 2>&1 | tail -n 2

# Extract new strings and merge them into the catalogs (run after changing templates or code).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o agency/locale/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i agency/locale/messages.pot -d agency/locale -D messages --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python infra/msgen.py

migrate: install
	$(BIN)/agency migrate

demo: migrate
	$(BIN)/agency demo

# The demo pays online through the loopback Redsys double (cases/portal/double.py) with Redsys's published test key,
# unless the environment names a real virtual POS; it writes direct-debit files under a demo SEPA creditor identifier.
DEMO_REDSYS = AGENCY_REDSYS_MERCHANT_CODE=$${AGENCY_REDSYS_MERCHANT_CODE:-999008881} \
	AGENCY_REDSYS_SECRET_KEY=$${AGENCY_REDSYS_SECRET_KEY:-sq7HjrUOBfKmC576ILgskD5srU870gJ7} \
	AGENCY_REDSYS_URL=$${AGENCY_REDSYS_URL:-http://127.0.0.1:8766/sis/realizarPago} \
	AGENCY_SEPA_CREDITOR_ID=$${AGENCY_SEPA_CREDITOR_ID:-ES81ZZZB00000000}

run: demo
	@if [ -z "$$AGENCY_REDSYS_SECRET_KEY" ]; then $(DEMO_REDSYS) $(BIN)/agency redsys-double --port 8766 & fi; \
	$(DEMO_REDSYS) $(BIN)/agency serve --host 127.0.0.1 --port 8000

# The whole suite on SQLite, then on PostgreSQL (127.0.0.1:5432, a throwaway database).
test: install
	$(MAKE) --no-print-directory test-sqlite test-postgres

test-sqlite: install
	AGENCY_TEST_DB=sqlite $(BIN)/pytest

test-postgres: install
	AGENCY_TEST_DB=postgres $(BIN)/pytest

test-unit: install
	AGENCY_TEST_DB=sqlite $(BIN)/pytest tests/unit

# Benchmarks report ratios against a baseline measured in the same run; not part of `make test`.
bench: install
	@# The load generator (wrk) and LibreOffice (the filing bundle's Word annexes) are Debian packages: installed when missing.
	@for need in wrk:wrk soffice:libreoffice-writer-nogui; do \
	  command -v $${need%%:*} >/dev/null && continue; \
	  echo "installing $${need#*:} for the benchmarks"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq --no-install-recommends $${need#*:} >/dev/null 2>&1 || \
	    ( $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $${need#*:} >/dev/null ); \
	  command -v $${need%%:*} >/dev/null || { echo "$${need#*:} could not be installed: the benchmarks need it" >&2; exit 1; }; \
	done
	AGENCY_TEST_DB=postgres $(BIN)/pytest -s -q tests/bench -p no:cacheprovider -o norecursedirs=
	AGENCY_TEST_DB=sqlite $(BIN)/pytest -s -q tests/bench -p no:cacheprovider -o norecursedirs=

clean:
	rm -rf $(VENV) var .pytest_cache
