# Herald: `make run` starts the whole product locally, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
CHROMIUM := /usr/bin/chromium
# checkov in a venv of its own: its pins clash with the project's (boto3, cfn-lint).
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov

.PHONY: run test unit lint bench soak clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 refuses newer pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The browser tests drive Debian's Chromium (Playwright's own browser download needs
# the internet); installed as root on a fresh machine, left alone when present.
$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

$(CHECKOV):
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet "checkov==3.3.30"

run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m local_stack

# Layers, fastest first so a broken unit fails in seconds: unit (no AWS emulation),
# then functional + integration + browser, then the fault suite, which mostly waits out
# leases and grace periods: its tests run side by side, each with an emulator of its own.
test: $(STAMP) $(CHROMIUM) $(CHECKOV)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests/unit
	$(BIN)/python -m pytest --ignore=tests/faults --ignore=tests/unit
	$(BIN)/python -m pytest -n 4 tests/faults

# The unit layer alone (about 16 s): pure logic with fakes, no moto, no server.
unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .

# Every benchmark, then the table (a few minutes; exits 1 if a target is missed).
# Not part of `make test`, which runs a tiny smoke version of it.
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .ruff_cache

# Herald's own fault suite at full size: 10,000 mails with injected faults (a few
# minutes); exits 1 on any lost mail or any duplicate outside a crash window.
soak: $(STAMP)
	$(BIN)/python -m tests.faults.soak --mails $(or $(MAILS),10000)

# Rebuilds the vendored CodeMirror bundle (admin_ui/vendor/codemirror/) with node and npm;
# only to change CodeMirror: the admin UI is served as committed, with no build step.
.PHONY: codemirror
codemirror:
	scripts/build_codemirror.sh
