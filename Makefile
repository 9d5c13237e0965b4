# Entry points for a fresh machine: `make demo`, `make test`, and `make bench` (measurements, not tests).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: demo test lint bench soak-creds reliability clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

demo: $(VENV)/.installed
	$(BIN)/canaryscope demo $(ARGS)

test: $(VENV)/.installed-test
	$(BIN)/ruff check tui widgets styles tests bench
	$(BIN)/python -m pytest $(ARGS)

# Runs the reliability suite (and the tests it cites) and rewrites RELIABILITY.md with what they measured.
reliability: $(VENV)/.installed-test
	CANARYSCOPE_WRITE_RELIABILITY=1 $(BIN)/python -m pytest tests/reliability tests/cluster/test_actions.py \
		tests/cluster/test_source.py tests/load/test_policy.py tests/e2e $(ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check tui widgets styles tests bench
	$(BIN)/ruff format --check tui widgets styles tests bench

# Not part of `make test`: minutes of measurements on real ptys; writes BENCHMARKS.md. ARGS=NAME runs one figure.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench $(ARGS)

# Ten minutes of 60-second exec-plugin tokens against the stand-in; exits 1 on a lost, doubled or re-listed change.
soak-creds: $(VENV)/.installed-bench
	$(BIN)/python -m bench.creds_soak $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
