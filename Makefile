# hvcosim — set-up, main job, tests.  `make run` and `make test` each do their own set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out/run
JOBS   ?= $(shell nproc)

.PHONY: setup sysdeps run test lint regmap synth clean bench

setup: sysdeps $(STAMP)

sysdeps:
	@bash scripts/setup_system.sh

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip >/dev/null
	$(VENV)/bin/pip install -q -r requirements.lock
	$(VENV)/bin/pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The main job, the default regression: the guest suite, $(SEEDS) generated programs and the
# directed scenarios co-simulated on the RTL (Verilator, line + toggle coverage build) with the
# reference as scoreboard, plus the unit's cocotb tests; merged functional and code coverage, reports
# under $(OUT) (index.html first).
SEEDS  ?= 16
run: setup
	$(VENV)/bin/hvcosim regress --sim verilator --out $(OUT) --jobs $(JOBS) --seeds $(SEEDS) --scenarios --rtl-tests --code-coverage
	@echo "reports: $(OUT)/index.html  (coverage: $(OUT)/coverage.html, RTL lines: $(OUT)/coverage/code-html/index.html, performance: $(OUT)/perf.html)"

test: setup
	$(PY) -m pytest -n $(JOBS) -q tests

bench: setup
	$(VENV)/bin/hvcosim bench

# Regenerate the register map outputs (SV package, Python constants, Markdown table).
regmap: setup
	$(PY) -m interfaces.gen_regmap

lint: setup
	$(PY) -m tb.sim.lint

synth: setup
	$(PY) -m tb.sim.synth

clean:
	rm -rf build out .pytest_cache
