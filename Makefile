# The README's two commands: `make studio` (launch the studio) and `make test` (install + whole suite).
# Both create ./.venv on first use and reuse it afterwards.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: studio test check

$(BIN)/.atelier-all: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt ".[all]"
	touch $@

$(BIN)/.atelier-test: $(BIN)/.atelier-all
	$(BIN)/pip install --quiet -c constraints.txt ".[all,test]"
	bash tools/setup_test_tools.sh
	touch $@

studio: $(BIN)/.atelier-all
	$(BIN)/python studio_app.py

test: $(BIN)/.atelier-test
	$(BIN)/python -m pytest

check: $(BIN)/.atelier-all
	$(BIN)/python install.py --check
