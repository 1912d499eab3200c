# backbeat-fuzz: every target that needs Python sets up the project's own .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

demo: $(STAMP) ## the main job: fuzz the built-in demo consumer, write its bugs to demo-corpus/
	rm -rf demo-corpus
	$(BIN)/backbeat-fuzz --target backbeat_fuzz.demo:handle --corpus demo-corpus --database none --seed 1 --max-examples 100; \
	status=$$?; if [ $$status -eq 1 ]; then echo "make demo: the demo consumer's planted bugs were found (exit 1 = findings), see demo-corpus/"; else exit 1; fi

.PHONY: demo deps build test test-schemas test-examples test-integration validate-examples fmt lint examples bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q backbeat_fuzz
	touch $(STAMP)

deps: $(STAMP) ## create .venv and install the package with its dev tools

build: $(STAMP) ## build the wheel and sdist into dist/
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .

test: $(STAMP) ## the whole test suite
	$(BIN)/python -m pytest

test-schemas: $(STAMP) ## the schemas are valid draft 2020-12 schemas
	$(BIN)/python -m pytest tests/test_schemas.py

test-examples: $(STAMP) ## the examples validate (or fail) as their names say
	$(BIN)/python -m pytest tests/test_examples.py

test-integration: $(STAMP) ## the CLIs driven as subprocesses
	$(BIN)/python -m pytest tests/test_cli_integration.py

validate-examples: $(STAMP) ## check the built-in examples with backbeat-validate
	$(BIN)/backbeat-validate --dir examples/valid --quiet --exit-code
	$(BIN)/python -m backbeat_fuzz.examples check examples

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

examples: $(STAMP) ## write the CI snippets (GitHub Actions, GitLab CI, Makefile) into ci-examples/
	$(BIN)/python -m backbeat_fuzz.ci_snippets ci-examples

bench: $(STAMP) ## speed comparisons, printed as ratios measured in one run
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) dist build *.egg-info .pytest_cache .hypothesis
