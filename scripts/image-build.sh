#!/usr/bin/env bash
# Builds the c8s images with podman (daemonless, no registry: every image is FROM scratch) from executables that
# are already built, one root filesystem each from scripts/image-rootfs.sh:
#
#   scripts/image-build.sh --bin-dir DIR --version VERSION --revision REVISION [--repository REPO] NAME...
#
#   --bin-dir DIR        where the executables are (`swift build -c release --show-bin-path`)
#   --version VERSION    the image tag and the org.opencontainers.image.version label ([0-9A-Za-z._-], at most 128)
#   --revision REVISION  the git commit, label org.opencontainers.image.revision
#   --repository REPO    the image names' prefix (default ghcr.io/c8s-dev): REPO/NAME:VERSION
#   --created EPOCH      the images' creation time in seconds (default: the commit time, else now); the same
#                        inputs then give the same image digest
#   NAME                 c8s-coordinator, c8s-agent, c8s (the CLI) or c8s-sim
#
# Environment: PODMAN (default podman), C8S_SOURCE_URL (label org.opencontainers.image.source).
# Prints one line per image: its name, id and size. The multi-stage Containerfile ends in the same instructions.
set -euo pipefail

fail() {
    echo "image-build: $*" >&2
    exit 1
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
podman="${PODMAN:-podman}"
source_url="${C8S_SOURCE_URL:-https://github.com/c8s-dev/c8s}"
bin_dir=""
version=""
revision=""
repository="ghcr.io/c8s-dev"
created=""
names=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bin-dir) bin_dir="${2:?--bin-dir needs a directory}"; shift 2 ;;
        --version) version="${2:?--version needs a value}"; shift 2 ;;
        --revision) revision="${2:?--revision needs a value}"; shift 2 ;;
        --repository) repository="${2:?--repository needs a value}"; shift 2 ;;
        --created) created="${2:?--created needs seconds since 1970}"; shift 2 ;;
        -*) fail "unknown option $1" ;;
        *) names+=("$1"); shift ;;
    esac
done
[[ -n "$bin_dir" && -n "$version" && -n "$revision" && ${#names[@]} -gt 0 ]] \
    || fail "usage: scripts/image-build.sh --bin-dir DIR --version VERSION --revision REVISION" \
        "[--repository REPO] NAME..."
[[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$ ]] \
    || fail "--version '$version': an image tag is 1 to 128 of [0-9A-Za-z._-], not starting with . or -"
[[ "$revision" =~ ^[0-9A-Za-z._-]{1,128}$ ]] \
    || fail "--revision '$revision': expected a git commit (at most 128 characters)"
[[ "$repository" =~ ^[a-z0-9]([a-z0-9._/:-]{0,200}[a-z0-9])?$ ]] \
    || fail "--repository '$repository': expected a lower-case registry path such as ghcr.io/c8s-dev or localhost/c8s"
command -v "$podman" > /dev/null \
    || fail "$podman is not on PATH (Debian: apt-get install podman runc; scripts/install-deps.sh --images)"
if [[ -z "$created" ]]; then
    created="$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)"
fi
[[ "$created" =~ ^[0-9]{1,12}$ ]] || fail "--created '$created': expected seconds since 1970"

work="$(mktemp -d "${TMPDIR:-/tmp}/c8s-image-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

describe() {
    case "$1" in
        c8s-coordinator) echo "The c8s coordinator: runs pipelines as Kubernetes Jobs and serves the REST API." ;;
        c8s-agent) echo "The c8s node agent: ships the step logs of its node to the log store." ;;
        c8s) echo "The c8s command line: validate, apply, run and follow pipelines." ;;
        c8s-sim) echo "The c8s cluster simulator: an in-memory Kubernetes API server with simulated nodes." ;;
        *) return 1 ;;
    esac
}

for name in "${names[@]}"; do
    description="$(describe "$name")" || fail "unknown image $name: expected c8s-coordinator, c8s-agent, c8s or c8s-sim"
    binary="$bin_dir/$name"
    [[ -x "$binary" ]] || fail "$binary is missing: build it first (make images builds the release executables)"
    rootfs="$work/$name/rootfs"
    mkdir -p "$work/$name"
    bash "$root/scripts/image-rootfs.sh" "$binary" "$rootfs"
    # The final stage of the Containerfile, for this one executable.
    cat > "$work/$name/Containerfile" << EOF
FROM scratch
COPY . /
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/$name"]
LABEL org.opencontainers.image.title="$name" \\
      org.opencontainers.image.description="$description" \\
      org.opencontainers.image.source="$source_url" \\
      org.opencontainers.image.version="$version" \\
      org.opencontainers.image.revision="$revision"
EOF
    image="$repository/$name:$version"
    if ! "$podman" build --quiet --format oci --pull=never --timestamp "$created" \
        -f "$work/$name/Containerfile" -t "$image" "$rootfs" > "$work/$name/id" 2> "$work/$name/build.log"; then
        cat "$work/$name/build.log" >&2
        fail "podman build of $image failed"
    fi
    size="$("$podman" image inspect --format '{{.Size}}' "$image")"
    printf '%s %s %s MiB\n' "$image" "$(head -c 19 "$work/$name/id")" "$(( (size + 524288) / 1048576 ))"
done
