# Two commands do everything (see README): `make run` sets up and runs the main job, `make test` the tests.
# `make run` installs only what `micrograd train` needs; `make test` adds the test tools (PyTorch, Jupyter, ...).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet
RUN_READY  := $(VENV)/.installed-run
TEST_READY := $(VENV)/.installed-test
DOCS_READY := $(VENV)/.installed-docs

.PHONY: run test bench bench-jax clean notebooks docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

$(RUN_READY): pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $(RUN_READY)

$(TEST_READY): pyproject.toml $(RUN_READY)
	$(PIP) -e '.[dev]'
	touch $(TEST_READY)

$(DOCS_READY): pyproject.toml $(RUN_READY)
	$(PIP) -e '.[docs]'
	touch $(DOCS_READY)

run: $(RUN_READY)
	$(BIN)/micrograd train

test: $(TEST_READY)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2

bench: $(TEST_READY)
	$(BIN)/python benchmarks/w1_vs_original.py
	$(BIN)/python benchmarks/tensor_vs_torch.py
	$(BIN)/python benchmarks/compile_scaling.py
	$(BIN)/python benchmarks/playground_speed.py

# Optional, apart from `bench`: issue 19's step-by-step race against JAX `jit` (JAX goes into benchmarks/.venv-jax,
# made on first use, never into the package's environment).
bench-jax: $(TEST_READY)
	$(BIN)/python benchmarks/tensor_vs_jax.py

# Re-run every notebook in examples/ and store it with its outputs (tests/test_notebooks.py checks they still match).
notebooks: $(TEST_READY)
	$(BIN)/python tools/refresh_notebooks.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache

# The documentation site, from docs/ and the notebooks of examples/, into site/ (strict: any broken link fails).
docs: $(DOCS_READY)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --site-dir site
	@echo "open site/index.html (the search box needs it served: $(BIN)/python -m http.server -d site)"
