# Two entry points: `make report` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The venv is made by the interpreter PYTHON names, and made again when another version is
# asked for (`make test PYTHON=python3.12` after a 3.11 venv): the stamp depends on a file
# named after the interpreter's version.
PYVERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)
PYSTAMP   := $(VENV)/.python-$(PYVERSION)

.PHONY: report test lint clean

$(PYSTAMP):
	@test -n "$(PYVERSION)" || { echo "找不到 Python：$(PYTHON)（請安裝 Python 3.10 以上，或指定 PYTHON=…）"; exit 2; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	touch $@

$(STAMP): pyproject.toml $(PYSTAMP)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

report: $(STAMP)
	@# Bytecode for the (editable) package, as pip compiles an installed one: a build then
	@# starts without compiling every module, also where PYTHONDONTWRITEBYTECODE is set.
	@$(BIN)/python -m compileall -q pipeline
	$(BIN)/report build --inputs inputs --out outputs

test: $(STAMP)
	bash tools/ensure-libreoffice
	bash tools/ensure-ooxml-validator $(VENV)/ooxml-validator
	bash tools/ensure-chromium
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest

# ruff, then mypy --strict over pipeline/ (settings in pyproject.toml's [tool.mypy]; mypy and
# the stubs it needs come with the [test] extra installed above).
lint: $(STAMP)
	$(BIN)/ruff check pipeline tests tools
	$(BIN)/ruff format --check .
	$(BIN)/mypy pipeline

clean:
	rm -rf $(VENV) outputs/*.docx outputs/*.pdf
