# Two entry points: `make report` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
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

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests tools
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) outputs/*.docx outputs/*.pdf
