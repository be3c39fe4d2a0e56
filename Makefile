# Local virtual environment; every target creates or reuses it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test lint typecheck pytest prove bench bench-etp bench-router bench-learning laws model clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,neural,ray]'
	@command -v eprover >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq eprover >/dev/null 2>&1; } || \
		echo "setup: E prover could not be installed (apt-get install eprover needs root and the Debian" \
		"archive); the E expert and its tests will report it as unavailable"
	touch $(STAMP)

# The main job: check the prelude and the theorem library with the embedded kernel, then prove a
# statement by automatic search and show the proof (re-checked by the kernel).
prove: setup
	$(BIN)/tactic-mesh check --quiet tactic_mesh/proofs/prelude.tm tactic_mesh/proofs/basics.tm
	$(BIN)/tactic-mesh prove "∀ n : Nat, n + 0 = n"

lint: setup
	$(BIN)/ruff check tactic_mesh tests bench
	$(BIN)/tactic-mesh fmt --check --quiet tactic_mesh/proofs

typecheck: setup
	$(BIN)/mypy --strict tactic_mesh

pytest: setup
	$(BIN)/pytest -n 2

test: lint typecheck pytest

# the Mixture-of-Tactics model that ships with the package (fixed seeds; minutes on 2 CPU cores)
model: setup
	$(BIN)/tactic-mesh train --dataset library --library all --out tactic_mesh/neural/model.pt

# the ETP expert router that ships with the package: fresh pairs of equations.txt (never the dev
# file's rows), every expert run on its own, fixed seed (a few minutes on 2 CPU cores)
.PHONY: etp-router
etp-router: setup
	$(BIN)/tactic-mesh train --dataset equational_theories --pairs 400 --hard 100 --budget 5 --jobs 2 --seed 0 \
		--out tactic_mesh/symbolic/etp_router.json

# the law catalogue with a larger profile than CI's
laws: setup
	$(BIN)/tactic-mesh laws --examples 200

bench: setup
	$(BIN)/python bench/kernel.py
	$(BIN)/python bench/calculus.py
	$(BIN)/python bench/codecs.py
	$(BIN)/python bench/traces.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/search.py

# the Mixture-of-Tactics router against the heuristic and the k-NN (about 10 minutes)
bench-router: setup
	$(BIN)/python bench/router.py

# expert iteration: held-out success per round, ablation of hindsight and the critic (about 50 minutes)
bench-learning: setup
	$(BIN)/python bench/learning.py

# E alone, z3 alone and the full pipeline on the ETP dev implications (about 40 minutes), the
# cost of counter-model certificates over ℤ versus finite carriers, and the fixed order of the
# experts against the learned router's
bench-etp: setup
	$(BIN)/python bench/linear_models.py
	$(BIN)/python bench/etp.py
	$(BIN)/python bench/etp_router.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
