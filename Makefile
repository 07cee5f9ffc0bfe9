# siftkit: `make demo`, `make test`, `make bench`. Each creates .venv when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
DEMO_OUT := runs/demo

.PHONY: demo test bench lint web clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[dev]'
	touch $(VENV)/.installed $@

$(VENV)/.bench-installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[bench]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(VENV)/bin/sift audit examples/wordnet_nouns.csv --text definition --label category \
		--id id -o $(DEMO_OUT) --overwrite
	@echo "Open $(DEMO_OUT)/report.html in a browser; \`$(VENV)/bin/sift serve $(DEMO_OUT)\` explores it on http://127.0.0.1:8765/; \`$(VENV)/bin/sift info $(DEMO_OUT)\` prints the summary again."

test: $(VENV)/.dev-installed
	$(PY) -m pytest -q

bench: $(VENV)/.bench-installed
	$(PY) -m benchmarks.audit_scale
	$(PY) -m benchmarks.embed_throughput
	$(PY) -m benchmarks.label_errors
	$(PY) -m benchmarks.discovery
	$(PY) -m benchmarks.labeling
	$(PY) -m benchmarks.more_like
	$(PY) -m benchmarks.leakage
	$(PY) -m benchmarks.topic_presence
	$(PY) -m benchmarks.explorer_load

# the explorer's front end: npm packages bundled into src/siftkit/web/static/app.js (committed)
web:
	cd web && npm ci --no-audit --no-fund && npm run build

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) runs .pytest_cache
