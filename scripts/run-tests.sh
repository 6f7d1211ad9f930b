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
if [ $# -gt 0 ]; then targets=("$@"); else targets=($(ls Tests)); fi
failed=()
for target in "${targets[@]}"; do
    [ -d "Tests/$target" ] || { echo "run-tests: no test target Tests/$target" >&2; exit 2; }
    echo "==> $target"
    start=$(date +%s)
    # shellcheck disable=SC2086
    if $SWIFT test --skip-build ${SWIFT_BUILD_FLAGS:-} --filter "^$target\\."; then
        echo "<== $target passed in $(( $(date +%s) - start ))s"
    else
        echo "<== $target FAILED in $(( $(date +%s) - start ))s"
        failed+=("$target")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "run-tests: failed: ${failed[*]}" >&2
    exit 1
fi
echo "run-tests: every test target passed (${#targets[@]} targets)"
