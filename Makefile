# The two commands of the README: `make analyze` (the main job) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: analyze test install benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

analyze: $(STAMP)
	$(BIN)/cognax analyze dezfouli2019 --out results/dezfouli2019

test: $(STAMP)
	$(BIN)/python -m pytest -q --numprocesses=auto --maxprocesses=4 --dist=loadfile

benchmark: $(STAMP)
	$(BIN)/python benchmarks/tasks.py
	$(BIN)/python benchmarks/fit.py

clean:
	rm -rf $(VENV) results
