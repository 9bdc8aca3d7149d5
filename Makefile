# The two commands a newcomer needs:  make lab   and   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export MPLBACKEND ?= Agg
# OpenBLAS (NumPy's BLAS) busy-waits 2^28 cycles after each call by default; its spinning
# threads then stall Numba's kernels called next (lesson 06 alternates the two: 3-10x
# slower) and a busy neighbour process. 2^4 cycles: see docs/benchmarks.md, Threading.
export OPENBLAS_THREAD_TIMEOUT ?= 4
# JupyterLab refuses to run as root unless told (containers, fresh cloud machines)
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test lint stubs grade bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.lessons-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[lessons]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev,oracle]'
	touch $@

## lab: set everything up and open the lessons in JupyterLab. It serves the whole checkout
## (lessons/ and the exercises/ you edit), opens on the first lesson, and puts the venv's
## scripts first on PATH so that `tinymoe hint NN.M` works in JupyterLab's terminals. Their
## shell is named explicitly: left to itself, a server started without a terminal runs
## login shells, whose /etc/profile may reset PATH.
LAB_OPEN ?= lessons/01_neurons.ipynb
JUPYTER  ?= $(BIN)/jupyter
lab: $(VENV)/.lessons-installed
	export PATH="$(CURDIR)/$(BIN):$$PATH" \
	  MPLBACKEND=module://matplotlib_inline.backend_inline; \
	$(JUPYTER) lab $(LAB_FLAGS) --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url="/lab/tree/$(LAB_OPEN)" \
	  --ServerApp.terminado_settings="{'shell_command': ['$${SHELL:-/bin/sh}']}"

# exercises/ holds a learner's own answers: linted only in CI and for maintainers
# (CI or TINYMOE_MAINTAINER set and not 0/false/no), where it holds the generated stubs.
FALSY      := 0 false False FALSE no
MAINTAINER := $(strip $(filter-out $(FALSY),$(CI)) $(filter-out $(FALSY),$(TINYMOE_MAINTAINER)))
RUFF_FLAGS ?= $(if $(MAINTAINER),,--extend-exclude exercises)

## test: set everything up and run the whole test suite (what CI runs), on every core
TEST_WORKERS ?= auto
test: $(VENV)/.dev-installed
	$(BIN)/ruff check $(RUFF_FLAGS) .
	$(BIN)/python -m pytest -n $(TEST_WORKERS)
	NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest -m nojit -q -p no:cacheprovider

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check $(RUFF_FLAGS) .

stubs: $(VENV)/.dev-installed
	$(BIN)/tinymoe stubs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
