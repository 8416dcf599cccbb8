# diarium — the README's two commands are `make demo` and `make test`.

SWIFT ?= swift
# Debian packages the build, the tests and the demo need.
DEB_PACKAGES := pkg-config libxml2-dev zlib1g-dev catdoc libstemmer-dev libstemmer-tools libzstd-dev libsqlite3-dev wswedish
# The tests also render the HTML report in a real browser.
TEST_PACKAGES := $(DEB_PACKAGES) chromium
INDEX ?= index
BIN := .build/release/diarium

.PHONY: deps test-deps install build demo test reliability-short reliability-long clean-index

## deps: install the Debian packages that are missing (apt-get; as root or through sudo)
deps:
	@$(MAKE) --no-print-directory install PACKAGES="$(DEB_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install PACKAGES="$(TEST_PACKAGES)"

install:
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

## test: all tests (unit tests per module and end-to-end tests of the built binary)
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## reliability-short: the reliability suite's short form, on the debug build `make test` made (CI; docs/reliability.md)
reliability-short:
	scripts/reliability.sh --short

## reliability-long: the long form (release build, about two hours; docs/reliability.md)
reliability-long:
	scripts/reliability.sh --long

## clean-index: remove the demo index
clean-index:
	find $(INDEX) -mindepth 1 ! -name .gitkeep -delete

# The comparison benchmark of issue 5 (docs/benchmarks.md); never part of `make test`.
SIZE ?= 100k
BENCH_PACKAGES := $(DEB_PACKAGES) python3-xapian xapian-tools xapian-omega recollcmd hyperfine sqlite3 time
.PHONY: bench

## bench: diarium against Tantivy, SQLite FTS5, Xapian, Recoll and omindex (SIZE=100k; SIZE=1M for 1M documents)
bench:
	@$(MAKE) --no-print-directory install PACKAGES="$(BENCH_PACKAGES)"
	python3 -m pip install -q -r Benchmarks/compare/requirements.txt
	Benchmarks/compare.sh --size $(SIZE)
