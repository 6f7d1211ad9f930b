#!/usr/bin/env bash
# make release: the release artifacts of images that `make images` built (REGISTRY/NAME:VERSION in podman's
# storage), like Tekton's release.yaml:
#
#   scripts/release.sh --registry REGISTRY --version VERSION [--output DIR]
#
# DIR (default dist/VERSION) receives
#   NAME-VERSION.oci.tar   one OCI archive per image (podman save --format oci-archive; gzip layers), pushable
#                          unchanged with
#                          `skopeo copy --preserve-digests oci-archive:FILE docker://REGISTRY/NAME:VERSION`
#                          or loadable with `kind load image-archive FILE` / `k3s ctr images import FILE`
#   c8s-VERSION.yaml       everything in deploy/ and daemonset/, rendered with `kubectl kustomize`, every c8s image
#                          pinned as REGISTRY/NAME@sha256:DIGEST (the digest of the archive's manifest, which is
#                          what a registry serves after that push)
#   c8s-VERSION-crds.yaml  the CRDs alone, which an upgrade applies first
#   SHA256SUMS             the checksums of all of them
#
# Environment: PODMAN (default podman), KUBECTL (default kubectl).
set -euo pipefail

fail() {
    echo "release: $*" >&2
    exit 1
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
podman="${PODMAN:-podman}"
kubectl="${KUBECTL:-kubectl}"
usage="usage: scripts/release.sh --registry REGISTRY --version VERSION [--output DIR]"
registry=""
version=""
output=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --registry) registry="${2:?--registry needs a value}"; shift 2 ;;
        --version) version="${2:?--version needs a value}"; shift 2 ;;
        --output) output="${2:?--output needs a directory}"; shift 2 ;;
        *) fail "unknown argument $1 ($usage)" ;;
    esac
done
[[ -n "$registry" && -n "$version" ]] || fail "$usage"
[[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$ ]] \
    || fail "VERSION '$version': an image tag is 1 to 128 of [0-9A-Za-z._-], not starting with . or -"
[[ "$version" != "latest" ]] || fail "VERSION must name a release, not 'latest'"
[[ "$registry" =~ ^[a-z0-9]([a-z0-9._/:-]{0,200}[a-z0-9])?$ ]] \
    || fail "REGISTRY '$registry': expected a lower-case registry path such as ghcr.io/c8s-dev"
command -v "$podman" > /dev/null || fail "$podman is not on PATH (apt-get install podman runc)"
command -v "$kubectl" > /dev/null || fail "$kubectl is not on PATH (kubectl kustomize renders the manifest)"
output="${output:-$root/dist/$version}"
mkdir -p "$output"
output="$(cd "$output" && pwd)"

# name -> the name the kustomizations use for it (images: in deploy/ and daemonset/)
images=(c8s-coordinator c8s-agent c8s)
declare -A digests
for name in "${images[@]}"; do
    image="$registry/$name:$version"
    "$podman" image exists "$image" \
        || fail "$image is not in podman's storage: run make images REGISTRY=$registry VERSION=$version"
    archive="$output/$name-$version.oci.tar"
    rm -f "$archive"
    "$podman" save --quiet --format oci-archive -o "$archive" "$image" || fail "podman save $image failed"
    digest="$(tar -xOf "$archive" index.json | grep -o '"digest":"sha256:[0-9a-f]\{64\}"' | head -n 1 | cut -d'"' -f4)"
    [[ -n "$digest" ]] || fail "$archive: no manifest digest in index.json"
    # The digest names the manifest blob in the archive; check it, so the pin is what a registry will serve.
    actual="sha256:$(tar -xOf "$archive" "blobs/sha256/${digest#sha256:}" | sha256sum | cut -d' ' -f1)"
    [[ "$actual" == "$digest" ]] || fail "$archive: the manifest's content hashes to $actual, not $digest"
    digests[$name]="$digest"
    echo "release: $archive ($(( ($(stat -c %s "$archive") + 524288) / 1048576 )) MiB, $digest)"
done

# The names the kustomizations give the images (their images: newName), which the overlay's images: match.
base_name() { # directory image
    "$kubectl" kustomize "$root/$1" | sed -n "s|^ *image: *\([^ ]*/$2\)[:@].*|\1|p; s|^ *image: *\($2\)[:@].*|\1|p" \
        | head -n 1
}
coordinator_name="$(base_name deploy c8s-coordinator)"
agent_name="$(base_name daemonset c8s-agent)"
[[ -n "$coordinator_name" ]] || fail "kubectl kustomize deploy names no c8s-coordinator image"
[[ -n "$agent_name" ]] || fail "kubectl kustomize daemonset names no c8s-agent image"

# An overlay of both kustomizations that pins the images; kubectl kustomize renders it.
overlay="$output/.kustomize"
rm -rf "$overlay"
mkdir -p "$overlay"
relative="$(realpath --relative-to="$overlay" "$root")"
cat > "$overlay/kustomization.yaml" << EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $relative/deploy
  - $relative/daemonset
labels:
  - pairs: {app.kubernetes.io/version: "$version"}
images:
  - name: $coordinator_name
    newName: $registry/c8s-coordinator
    digest: ${digests[c8s-coordinator]}
  - name: $agent_name
    newName: $registry/c8s-agent
    digest: ${digests[c8s-agent]}
EOF
manifest="$output/c8s-$version.yaml"
{
    echo "# c8s $version: kubectl apply --server-side -f c8s-$version.yaml (see docs/install.md)."
    echo "# Images: $registry/c8s-coordinator@${digests[c8s-coordinator]}, $registry/c8s-agent@${digests[c8s-agent]}"
    echo "# (and the CLI: $registry/c8s@${digests[c8s]})."
    "$kubectl" kustomize "$overlay"
} > "$manifest.tmp" || fail "kubectl kustomize $overlay failed"
rm -rf "$overlay"
for name in c8s-coordinator c8s-agent; do
    grep -q "image: $registry/$name@${digests[$name]}" "$manifest.tmp" \
        || fail "the rendered manifest does not pin $registry/$name@${digests[$name]}"
done
if grep -n 'image: ' "$manifest.tmp" | grep -v '@sha256:' | grep -q 'c8s-'; then
    fail "the rendered manifest names a c8s image without a digest:" \
        "$(grep -n 'image: .*c8s-' "$manifest.tmp" | grep -v '@sha256:')"
fi
mv "$manifest.tmp" "$manifest"
# The CRDs alone, applied first on an upgrade (docs/install.md).
crds="$output/c8s-$version-crds.yaml"
{
    echo "# The CustomResourceDefinitions of c8s $version (also in c8s-$version.yaml): apply these first on an upgrade."
    "$kubectl" kustomize "$root/config/crd"
} > "$crds.tmp" || fail "kubectl kustomize config/crd failed"
mv "$crds.tmp" "$crds"
(cd "$output" && sha256sum "c8s-$version.yaml" "c8s-$version-crds.yaml" "${images[@]/%/-$version.oci.tar}" > SHA256SUMS)
echo "release: $manifest"
echo "release: $crds"
