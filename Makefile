# Two commands: `make run` and `make test`. Both set up what is missing and skip what is done.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
MODEL := models/current.tar.gz
MODEL_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

.PHONY: run test check setup system-packages model lint format lock bench bench-engine bench-staff \
	staff-account evaluate load cluster reading-level profile clean

## run: set up, train the model if missing or stale, start the Rasa, action and web servers
run: setup $(MODEL)
	$(PY) -m scripts.run

## test: set up (the Debian packages the tests use too), train if stale, then lint, validate
## the Rasa data, run every test
test: setup system-packages $(MODEL)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(RASA) data validate --max-history 5 --fail-on-warnings --quiet
	$(RASA) test core --stories tests/stories --fail-on-prediction-errors --model $(MODEL) --out results/core --quiet
	$(PY) -m scripts.evaluate_nlu --min-accuracy 0.90
	$(PY) -m pytest

## check: the quick check for a change to the core (about a minute): lint, the import
## contracts (pyproject.toml), then every test that
## needs no server, no PostgreSQL, no browser and no cluster (devkit/markers.py)
check: setup
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -m "not servers and not postgres and not browser and not cluster"

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml scripts/setup-venv.sh
	scripts/setup-venv.sh

# The chat page's JavaScript (socket.io-client) from the npm registry, exactly as locked.
$(NODE_STAMP): package.json package-lock.json
	scripts/system-packages.sh run
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# chromium, postgresql, nginx, redis-server for the tests (apt-get as root, else the command)
system-packages:
	scripts/system-packages.sh test

model: setup $(MODEL)

$(MODEL): $(MODEL_INPUTS) | $(STAMP)
	$(RASA) train --fixed-model-name current --out models --quiet
	touch $(MODEL)

## lint / format: ruff
lint: setup
	$(PY) -m ruff check .
format: setup
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

## lock: rewrite constraints.txt from a clean resolve of requirements.txt
lock:
	rm -rf /tmp/sarcoma-lock && $$(scripts/find-python.sh) -m venv /tmp/sarcoma-lock
	/tmp/sarcoma-lock/bin/pip install --quiet "pip==24.3.1" && /tmp/sarcoma-lock/bin/pip install --quiet -r requirements.txt
	{ echo "# Exact versions of every package, direct and transitive: the lock for requirements.txt."; \
	  echo "# Regenerate with 'make lock' after changing requirements.txt, and commit both."; \
	  /tmp/sarcoma-lock/bin/pip freeze --exclude-editable; } > constraints.txt

## bench: servers up, scripted patients over REST: questions, latency, NLU, training, memory
bench: setup $(MODEL)
	$(PY) -m scripts.bench

## load: servers up (one of each, SQLite), then concurrent scripted patients over REST and
## socket.io at 1, 8, 16, ... 256 conversations: throughput, latency p50/p95/p99, errors, where
## p95 passes 1 s. LOAD_ARGS adds options, e.g. LOAD_ARGS="--cluster" or "--duration 10".
load: setup $(MODEL)
	$(PY) -m scripts.loadtest --ramp --duration 20 $(LOAD_ARGS)

## cluster: PostgreSQL, Redis, 2 action and 2 Rasa servers behind nginx, web server (loopback)
cluster: setup $(MODEL)
	$(PY) -m scripts.cluster

## evaluate: NLU intent accuracy and entity F1 on the held-out phrasings
evaluate: setup $(MODEL)
	$(PY) -m scripts.evaluate_nlu

## bench-staff: staff list and conversation page times, 100,000 conversations, SQLite and PostgreSQL
bench-staff: setup
	$(PY) -m scripts.bench_staff $(BENCH_STAFF_ARGS)

## staff-account: create a staff account for the review pages (asks for the password)
staff-account: setup
	@test -n "$(USER_NAME)" || { echo "usage: make staff-account USER_NAME=jdoe"; exit 2; }
	$(PY) -m bot.storage migrate >/dev/null
	$(PY) -m bot.storage create-staff "$(USER_NAME)"

## reading-level: the Flesch-Kincaid grade of every patient-facing string, hardest first
reading-level: setup
	$(PY) -m scripts.reading_level

## bench-engine: questions per screening over generated patients
bench-engine: setup
	$(PY) -m scripts.bench_engine

## profile: py-spy over the Rasa and action servers while patients screen (needs ptrace rights)
profile: setup $(MODEL)
	$(PY) -m scripts.profile $(PROFILE_ARGS)

clean:
	rm -rf $(VENV) node_modules models/*.tar.gz .pytest_cache .ruff_cache results
