# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: demo test lint bench reliability clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/canaryscope demo $(ARGS)

test: $(VENV)/.installed-test
	$(BIN)/ruff check tui widgets styles tests
	$(BIN)/python -m pytest $(ARGS)

# Runs the reliability suite (and the tests it cites) and rewrites RELIABILITY.md with what they measured.
reliability: $(VENV)/.installed-test
	CANARYSCOPE_WRITE_RELIABILITY=1 $(BIN)/python -m pytest tests/reliability tests/cluster/test_actions.py \
		tests/cluster/test_source.py tests/load/test_policy.py tests/e2e $(ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check tui widgets styles tests
	$(BIN)/ruff format --check tui widgets styles tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
