#!/usr/bin/env bash
# Runs every test target of the package, one `swift test` process per target, and fails if any failed.
#
# Targets run one after another rather than all in one process: the integration, agent and CLI suites start real
# processes (SeaweedFS, c8s binaries, simulated Pods) that would otherwise share two cores with the suites that
# check deadlines (leader election renewals, forge request timeouts). Each target still runs its own tests in
# parallel. Pass target names to run only those: scripts/run-tests.sh C8SCoreTests C8SLogsTests
set -u
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
if [ $# -gt 0 ]; then targets=("$@"); else targets=($(ls Tests | grep -vx browser)); fi
failed=()
for target in "${targets[@]}"; do
    [ "$target" = browser ] && continue
    [ -d "Tests/$target" ] || { echo "run-tests: no test target Tests/$target" >&2; exit 2; }
    echo "==> $target"
    start=$(date +%s)
    # Each target runs with a temporary directory of its own, removed afterwards: what its tests leave there is
    # named. What `swift test` itself leaves (its TemporaryDirectory.* folders and lock files)
    # is removed without a word.
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/c8s-test-$target.XXXXXX")
    # shellcheck disable=SC2086
    if TMPDIR="$scratch" $SWIFT test --skip-build ${SWIFT_BUILD_FLAGS:-} --filter "^$target\\."; then
        echo "<== $target passed in $(( $(date +%s) - start ))s"
    else
        echo "<== $target FAILED in $(( $(date +%s) - start ))s"
        failed+=("$target")
    fi
    left=$(find "$scratch" -mindepth 1 -maxdepth 1 ! -name 'TemporaryDirectory.*' ! -name '*.lock' -printf '%f\n' \
        | head -20)
    if [ -n "$left" ]; then
        echo "<== $target left behind in its temporary directory (removed):" $left
    fi
    rm -rf "$scratch"
done
# The dashboard's browser tests (Tests/browser, pytest + playwright + Debian's chromium) against the built
# c8s-sim, c8s-coordinator and c8s-agent; they run with the whole suite or when "browser" is named.
if [ $# -eq 0 ] || printf '%s\n' "$@" | grep -qx browser; then
    echo "==> browser"
    start=$(date +%s)
    bin=$($SWIFT build ${SWIFT_BUILD_FLAGS:-} --show-bin-path)
    C8S_BIN="$bin" python3 -m pytest -q -p no:cacheprovider Tests/browser
    status=$?
    if [ $status -eq 0 ]; then
        echo "<== browser passed in $(( $(date +%s) - start ))s"
    else
        echo "<== browser FAILED (pytest exit status $status) in $(( $(date +%s) - start ))s"
        failed+=("browser")
    fi
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "run-tests: failed: ${failed[*]}" >&2
    exit 1
fi
echo "run-tests: every test target passed (${#targets[@]} targets)"
