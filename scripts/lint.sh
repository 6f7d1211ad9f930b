#!/usr/bin/env bash
# Checks the Swift sources against .swift-format (swift-format ships with the toolchain) and the 120-column limit,
# which swift-format cannot enforce on string literals and comments. `scripts/lint.sh --fix` formats in place first.
# `make lint` runs it; `make test` runs it before building, so CI fails on a formatting regression.
set -euo pipefail
cd "$(dirname "$0")/.."
# swift-format: $SWIFT_FORMAT, else next to $SWIFT (what make uses), else on PATH.
if [ -z "${SWIFT_FORMAT:-}" ]; then
    swift=$(readlink -f "$(command -v "${SWIFT:-swift}" || echo /nonexistent)" || true)
    if [ -n "$swift" ] && [ -x "$(dirname "$swift")/swift-format" ]; then
        SWIFT_FORMAT="$(dirname "$swift")/swift-format"
    else
        SWIFT_FORMAT=$(command -v swift-format || true)
    fi
fi
if [ -z "${SWIFT_FORMAT:-}" ] || [ ! -x "$SWIFT_FORMAT" ]; then
    echo "lint: swift-format not found next to swift or on PATH; set SWIFT_FORMAT to its path" >&2
    exit 1
fi
paths=(Package.swift Sources Tests Benchmarks)
if [ "${1:-}" = "--fix" ]; then
    "$SWIFT_FORMAT" format --in-place --recursive --parallel "${paths[@]}"
fi
status=0
"$SWIFT_FORMAT" lint --strict --recursive --parallel "${paths[@]}" || status=1
# Lines over 120 columns (counted in characters, as an editor shows them).
if long=$(LC_ALL=C.UTF-8 grep -rnE --include='*.swift' '^.{121,}' "${paths[@]}"); then
    echo "$long" | sed -E 's/^([^:]+:[0-9]+):.*/\1: longer than 120 columns/' >&2
    status=1
fi
[ $status -eq 0 ] && echo "lint: clean"
exit $status
