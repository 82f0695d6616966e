# Every target bootstraps .venv itself: a fresh clone needs only `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench sysdeps clean-venv

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -U pip
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

sysdeps:
	sh scripts/sysdeps.sh

# the demo draws charts with Chinese labels and converts to PDF: it needs the same system packages
demo: $(STAMP) sysdeps
	$(VENV)/bin/zhenggai demo

test: $(STAMP)
	sh scripts/sysdeps.sh --browser
	$(PY) -m pytest

bench: $(STAMP) sysdeps
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean-venv:
	rm -rf $(VENV)
