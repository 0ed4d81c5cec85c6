# Two commands: `make serve` and `make test`. Everything else is a step they share.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS_STAMP := $(VENV)/.deps-stamp
PORT ?= 2222
# Loopback by default: `--auth open` lets anyone in. `make serve HOST=0.0.0.0` to publish.
HOST ?= 127.0.0.1

.PHONY: all build lint test serve fleet bench bench-ladder bench-lowp amx-check clean container-test

all: test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Build tools and test dependencies; redone when pyproject.toml changes.
$(DEPS_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "scikit-build-core>=0.10" "pybind11>=2.12" ninja cmake
	$(BIN)/python -m pip install --quiet --no-build-isolation -e '.[test]'
	touch $@

# Rebuilds the extension incrementally (build/ is kept) and reinstalls it in place.
build: $(DEPS_STAMP)
	$(BIN)/python -m pip install --quiet --no-build-isolation --no-deps -e .

lint: build
	$(BIN)/ruff check sshapp tests benchmarks
	$(BIN)/ruff format --check sshapp tests benchmarks
	$(BIN)/mypy sshapp
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

# Builds the Dockerfile with buildah (no registry: a local stand-in base image) and tests the
# image end to end over OpenSSH. Needs root; apt-installs podman/buildah if missing.
container-test:
	scripts/container_test.sh

serve: build
	$(BIN)/sshapp serve --host $(HOST) --port $(PORT)

# A gateway on 127.0.0.1:$(PORT) in front of three nodes on 127.0.0.2-127.0.0.4 (AVX-512 and
# AVX2 masked on two of them); state under .fleet/; Ctrl-C stops all. Try: ssh -p 2222 127.0.0.1 fleet
fleet: build
	$(BIN)/python scripts/fleet.py --port $(PORT)

# The kernel ladder and sweep beside numpy's OpenBLAS; one benchmark at a time per host.
bench-ladder: build
	flock /tmp/sshapp-bench.lock $(BIN)/python benchmarks/ladder.py

# bf16 / int8 kernels beside PyTorch (oneDNN); needs the optional extra: pip install 'torch==2.13.0+cpu'
bench-lowp: build
	flock /tmp/sshapp-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/lowp.py

# Proves and measures AMX on this host (issue 25): ≤ 10 min with AMX, < 1 min without;
# report in benchmarks/results/amx_check.md. `make amx-check ARGS=--quick` for a short run.
amx-check: build
	flock /tmp/sshapp-bench.lock env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/amx_check.py $(ARGS)

clean:
	rm -rf build $(VENV) *.egg-info
