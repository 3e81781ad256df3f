# Everything a fresh machine needs comes from here: `make demo` and `make test` install first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test fuzz bench clean browser-deps

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest -q

# The long fuzz campaign (tests/fuzz_campaign.py): every reader, the URL handling, the JSON report reader and every
# reporter, with many hypothesis examples for FUZZ_SECONDS in all (default 300); FUZZ_SEED repeats a run.
fuzz: $(STAMP)
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} $(BIN)/python -m tests.fuzz_campaign

# Headless Chromium for the HTML report's browser test (Debian packages), and a Japanese font so its
# screenshot shows Japanese rather than empty boxes. Only as root; without them the browser test skips,
# so a failed install is reported but does not stop `make test`.
browser-deps:
	@if [ "$$(id -u)" = 0 ] && { [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ]; }; then \
		{ apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver fonts-ipafont-gothic; } \
		|| echo 'browser-deps: could not install chromium; the browser tests will be skipped' >&2; \
	fi

# The benchmark runs in a venv of its own with only refcheck's runtime and bench dependencies: what a user
# installs (the test extra pulls in selenium, whose trio httpcore would import at every start). refcheck itself
# is installed as a user gets it, a regular byte-compiled copy of this checkout made afresh for each run; an
# editable install adds an import hook that costs a start-up about 20 ms.
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml
	$(PY) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/pip install --quiet --no-deps --force-reinstall .
	$(BENCH_VENV)/bin/python bench/run.py --workload all

clean:
	rm -rf $(VENV) $(BENCH_VENV) build *.egg-info
