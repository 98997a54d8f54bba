# Two commands do everything (see README): `make run` sets up and runs the main job, `make test` the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed

.PHONY: run test lint bench clean notebooks

$(READY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(READY)

run: $(READY)
	$(BIN)/micrograd train

test: $(READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2

bench: $(READY)
	$(BIN)/python benchmarks/w1_vs_original.py
	$(BIN)/python benchmarks/tensor_vs_torch.py
	$(BIN)/python benchmarks/compile_scaling.py
	$(BIN)/python benchmarks/playground_speed.py

# Re-run every notebook in examples/ and store it with its outputs (tests/test_notebooks.py checks they still match).
notebooks: $(READY)
	$(BIN)/python tools/refresh_notebooks.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
