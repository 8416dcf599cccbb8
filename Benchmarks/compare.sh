#!/bin/sh
# The comparison benchmark of issue 5 (see Benchmarks/compare/run.py and docs/benchmarks.md).
#   Benchmarks/compare.sh [--size 10k|100k|1M] [--e2e-size 10k] [--skip-real] [--skip-e2e]
# `make bench` installs what it needs (Debian and PyPI packages) and runs it at 100k documents.
set -eu
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1
exec python3 Benchmarks/compare/run.py "$@"
