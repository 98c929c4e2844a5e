# The template's own tasks. Needs only Python 3.11+, git and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo

.PHONY: demo test lint clean dependency-modules property-tests

$(BIN)/cookiecutter: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Bake the default project (SQLite) as a user would, run its tests, say how to start it.
demo: $(BIN)/cookiecutter
	rm -rf $(DEMO)
	$(BIN)/cookiecutter --no-input --output-dir $(DEMO) .
	cd $(DEMO)/my-flask-app && .venv/bin/pytest -q && .venv/bin/flask db check
	@echo
	@echo "The demo project works. Start it with:"
	@echo "    cd $(DEMO)/my-flask-app && .venv/bin/flask run"

# The whole test suite: first the library's unit tests (fast, no bake), in
# its own folder and settings; then the template's, on two processes: most of
# it waits on bakes, installs and database servers. A module that shares a
# fixture stays on one.
test: $(BIN)/cookiecutter
	cd flask-db-kit && ../$(BIN)/pytest
	$(BIN)/pytest -n 2 --dist loadgroup

# The property tests with new random examples, even under CI=true (whose
# runs are derandomized): now and then, so that flaws a fixed draw misses
# show. A failure prints the @reproduce_failure blob that replays it.
PROPERTY_TESTS := tests/test_answers.py tests/test_modelspec.py tests/test_models_code.py tests/test_models_bake.py
property-tests: $(BIN)/cookiecutter
	HYPOTHESIS_PROFILE=unseeded $(BIN)/pytest $(PROPERTY_TESTS)

# The dependencies' top-level modules, refused as package names (answers.py):
# rewrite the committed list after a dependency changes.
dependency-modules: $(BIN)/cookiecutter
	$(BIN)/python -m flask_db_template.answers

lint: $(BIN)/cookiecutter
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
