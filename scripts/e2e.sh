#!/usr/bin/env bash
# make e2e: the integration scenarios (Tests/C8SIntegrationTests) against the cluster KUBECONFIG names, with c8s
# installed as docs/install.md describes. Without KUBECONFIG it skips (exit 0).
#
# Environment:
#   KUBECONFIG                 the cluster (required; unset: skip)
#   C8S_E2E_CONTEXT            a kubeconfig context other than the current one
#   C8S_E2E_LOG_STORE          the s3://BUCKET/PREFIX the agents store logs in (default: ConfigMap c8s-agent)
#   C8S_S3_ENDPOINT, C8S_S3_REGION
#                              how this machine reaches that bucket (default: ConfigMap c8s-agent; empty: AWS S3)
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
#                              read access to it (or the default AWS credential chain)
#   C8S_E2E_SYSTEM_NAMESPACE   where the coordinator and the agents run (default c8s-system)
#   C8S_E2E_*_IMAGE            override a line of config/e2e/images.env
#   C8S_E2E_FILTER             a narrower `swift test --filter` (default: the whole suite)
#   SWIFT, SWIFT_BUILD_FLAGS   as in the Makefile
set -euo pipefail

if [[ -z "${KUBECONFIG:-}" ]]; then
    echo "make e2e: KUBECONFIG is not set; skipping the end-to-end suite against a cluster"
    exit 0
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
SWIFT="${SWIFT:-swift}"
read -r -a build_flags <<< "${SWIFT_BUILD_FLAGS:-}"

fail() {
    echo "make e2e: $*" >&2
    exit 1
}

# The images, named once in config/e2e/images.env; the environment overrides a line.
images_file="config/e2e/images.env"
line_number=0
while IFS= read -r line || [[ -n "$line" ]]; do
    line_number=$((line_number + 1))
    [[ -z "${line//[[:space:]]/}" || "$line" =~ ^[[:space:]]*# ]] && continue
    [[ "$line" =~ ^([A-Z0-9_]+)=(.*)$ ]] || fail "$images_file:$line_number: expected KEY=VALUE, found '$line'"
    key="${BASH_REMATCH[1]}"
    if [[ -z "${!key:-}" ]]; then export "$key=${BASH_REMATCH[2]}"; fi
done < "$images_file"

command -v kubectl > /dev/null || fail "kubectl is not on PATH"
kubectl_args=()
if [[ -n "${C8S_E2E_CONTEXT:-}" ]]; then kubectl_args+=(--context "$C8S_E2E_CONTEXT"); fi
k() { kubectl "${kubectl_args[@]}" "$@"; }

namespace="${C8S_E2E_SYSTEM_NAMESPACE:-c8s-system}"
echo "make e2e: cluster $(k config current-context 2>/dev/null || echo '?') (KUBECONFIG=$KUBECONFIG)"
k version > /dev/null 2>&1 || fail "the cluster does not answer: kubectl version failed (KUBECONFIG=$KUBECONFIG)"
for crd in pipelineconfigs.c8s.dev pipelineruns.c8s.dev repositoryconnections.c8s.dev; do
    k get crd "$crd" > /dev/null 2>&1 || fail "CRD $crd is missing: install c8s first (docs/install.md: kubectl apply -k deploy)"
done

# c8s must be installed and ready, with the images config/e2e/images.env names.
check_workload() { # kind name image-variable
    local kind="$1" name="$2" variable="$3" deployed
    deployed="$(k -n "$namespace" get "$kind" "$name" -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null)" \
        || fail "$kind $namespace/$name is missing: install c8s first (docs/install.md)"
    if [[ "$deployed" != "${!variable}" ]]; then
        fail "$kind $namespace/$name runs $deployed but $images_file names ${!variable}; deploy that image or set $variable=$deployed"
    fi
    k -n "$namespace" rollout status "$kind/$name" --timeout=180s > /dev/null \
        || fail "$kind $namespace/$name is not ready (kubectl -n $namespace rollout status $kind/$name)"
}
check_workload deployment c8s-coordinator C8S_E2E_COORDINATOR_IMAGE
check_workload daemonset c8s-agent C8S_E2E_AGENT_IMAGE

# Where the agents store logs, and how to reach it: the agents' ConfigMap, unless the environment says otherwise.
agent_setting() { k -n "$namespace" get configmap c8s-agent -o "jsonpath={.data.$1}" 2>/dev/null || true; }
if [[ -z "${C8S_E2E_LOG_STORE:-}" ]]; then export C8S_E2E_LOG_STORE="$(agent_setting C8S_LOG_STORE)"; fi
[[ -n "$C8S_E2E_LOG_STORE" ]] \
    || fail "set C8S_E2E_LOG_STORE to the s3://BUCKET/PREFIX the agents store logs in (ConfigMap $namespace/c8s-agent has none)"
if [[ -z "${C8S_S3_ENDPOINT+set}" ]]; then export C8S_S3_ENDPOINT="$(agent_setting C8S_S3_ENDPOINT)"; fi
if [[ -z "${C8S_S3_REGION:-}" ]]; then
    region="$(agent_setting C8S_S3_REGION)"
    if [[ -n "$region" ]]; then export C8S_S3_REGION="$region"; fi
fi
echo "make e2e: logs are read back from $C8S_E2E_LOG_STORE (endpoint ${C8S_S3_ENDPOINT:-AWS S3})"

"$SWIFT" build --build-tests "${build_flags[@]}"
export C8S_E2E_KUBECONFIG="$KUBECONFIG"
exec "$SWIFT" test --skip-build "${build_flags[@]}" --filter "${C8S_E2E_FILTER:-C8SIntegrationTests}"
