# The README's two commands: `make run` and `make test`. Everything lives in ./.venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
CORPUS ?= $(SHARED)/corpus/hanoi
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: setup run test lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[st,dev]'
	touch $@

setup: $(VENV)/.installed

# exec: Ctrl-C and SIGTERM reach `assistant serve` itself, which stops quietly with exit code 0.
run: setup
	ASSISTANT_CORPUS_DIR=$(CORPUS) exec $(BIN)/assistant serve

lint: setup
	$(BIN)/ruff check .

# Passage vectors are kept by model and text on this machine (assistant/embedding_cache.py): a fresh clone's
# tests embed only texts no earlier run has embedded.
EMBEDDING_CACHE ?= $(HOME)/.cache/tro-ly-cong-vu

test: setup lint
	ASSISTANT_SHARED_DIR=$(SHARED) ASSISTANT_EMBEDDING_CACHE_DIR=$(EMBEDDING_CACHE) $(BIN)/python -m pytest -q -ra
	# Regression gate: the frozen Hà Nội split against the thresholds in evals/gate.json.
	ASSISTANT_EMBEDDING_CACHE_DIR=$(EMBEDDING_CACHE) $(BIN)/python -m evals.gate --config evals/gate.json

bench: setup
	$(BIN)/python -m evals.bench_ingest --shared $(SHARED)

clean:
	rm -rf $(VENV) data .pytest_cache
