# diarium — the README's two commands are `make demo` and `make test`.

SWIFT ?= swift
# Debian packages the build, the tests and the demo need. The release build links the C libraries'
# static archives, libxml2's dependencies among them (libicu-dev, liblzma-dev; Package.swift).
DEB_PACKAGES := pkg-config libxml2-dev libicu-dev liblzma-dev zlib1g-dev catdoc libstemmer-dev libstemmer-tools libzstd-dev libsqlite3-dev wswedish poppler-utils \
	tesseract-ocr tesseract-ocr-swe tesseract-ocr-eng
# The tests also render the HTML report and drive `diarium serve` in a real browser (Selenium from
# PyPI, Tests/Browser/requirements.txt), and encrypt PDFs with qpdf.
TEST_PACKAGES := $(DEB_PACKAGES) chromium chromium-driver python3-pip qpdf
INDEX ?= index
BIN := .build/release/diarium

.PHONY: deps test-deps apt-install install install-test build demo test browser-test reliability-short reliability-long clean-index

## deps: install the Debian packages that are missing (apt-get; as root or through sudo)
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(DEB_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(TEST_PACKAGES)"

## apt-install: install the Debian packages in PACKAGES that are missing
apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## build: release build of the diarium executable
build: deps
	$(SWIFT) build -c release --product diarium

## demo: build, ingest corpus/ into index/, search, and list by year
demo: build
	$(BIN) ingest corpus --index $(INDEX)
	$(BIN) search "riskanalys 2015 Office 365" --index $(INDEX) --limit 3
	$(BIN) list --by year --index $(INDEX)

## test: all tests (unit tests per module, end-to-end tests of the built binary, `diarium serve` in a browser)
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@$(MAKE) --no-print-directory browser-test

## browser-test: `diarium serve` on corpus/ driven in Chromium (the debug binary `make test` built;
## screenshots in .build/browser-test/)
browser-test:
	python3 -m pip install -q --disable-pip-version-check -r Tests/Browser/requirements.txt
	python3 Tests/Browser/browser_test.py --binary .build/debug/diarium

## reliability-short: the reliability suite's short form, on the debug build `make test` made (CI; docs/reliability.md)
reliability-short:
	scripts/reliability.sh --short

## reliability-long: the long form (release build, about two hours; docs/reliability.md)
reliability-long:
	scripts/reliability.sh --long

## install: the binary, its man pages and bash/zsh/fish completions under PREFIX (CONFIG=debug
## installs the debug build, as the tests do)
PREFIX ?= /usr/local
CONFIG ?= release
install: deps
	$(SWIFT) build -c $(CONFIG) --product diarium
	$(SWIFT) build -c $(CONFIG) --product generate-manual
	install -d "$(PREFIX)/bin" "$(PREFIX)/share/man/man1" "$(PREFIX)/share/bash-completion/completions" \
		"$(PREFIX)/share/zsh/site-functions" "$(PREFIX)/share/fish/vendor_completions.d"
	install -m 755 .build/$(CONFIG)/diarium "$(PREFIX)/bin/diarium"
	.build/$(CONFIG)/generate-manual "$(PREFIX)/bin/diarium" --multi-page --section 1 -o "$(PREFIX)/share/man/man1"
	"$(PREFIX)/bin/diarium" --generate-completion-script bash > "$(PREFIX)/share/bash-completion/completions/diarium"
	"$(PREFIX)/bin/diarium" --generate-completion-script zsh > "$(PREFIX)/share/zsh/site-functions/_diarium"
	"$(PREFIX)/bin/diarium" --generate-completion-script fish > "$(PREFIX)/share/fish/vendor_completions.d/diarium.fish"

## install-test: `make install` into a scratch prefix, then read the man page and source the completions (CI)
install-test:
	scripts/install-test.sh

## clean-index: remove the demo index
clean-index:
	rm -rf $(INDEX)

# The comparison benchmark of issue 5 (docs/benchmarks.md); never part of `make test`.
SIZE ?= 100k
BENCH_PACKAGES := $(DEB_PACKAGES) python3-xapian xapian-tools xapian-omega recollcmd hyperfine sqlite3 time
.PHONY: bench

## bench: diarium against Tantivy, SQLite FTS5, Xapian, Recoll and omindex (SIZE=100k; SIZE=1M for 1M documents)
bench:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(BENCH_PACKAGES)"
	python3 -m pip install -q -r Benchmarks/compare/requirements.txt
	Benchmarks/compare.sh --size $(SIZE)
