#!/usr/bin/env bash
# Assembles the minimal root filesystem of a c8s image around one executable, the same way for `make images`
# (scripts/image-build.sh, on this machine) and for the multi-stage Containerfile (inside its builder stage):
#
#   scripts/image-rootfs.sh [--list] BINARY OUTDIR
#
# OUTDIR receives (and must not exist yet, or be empty):
#   usr/local/bin/NAME         the executable (NAME = its file name), mode 0755, stripped of its symbol table and
#                              debug information (keep the unstripped build to symbolicate a crash address)
#   <path of every library>    exactly the shared objects the executable loads, as `ldd` resolves them (the
#                              dynamic loader included), copied with symlinks resolved; on a Debian builder they
#                              come from Debian's packages (libcurl, libyaml, liburing, libzstd and what they load),
#                              and from the Swift toolchain for a binary linked without --static-swift-stdlib
#   etc/ssl/certs/ca-certificates.crt   the CA bundle (Debian's ca-certificates), read by libcurl and swift-nio-ssl
#   etc/passwd, etc/group      root and the unprivileged user and group 65532 (nonroot) the image runs as
#   etc/nsswitch.conf          files, then DNS, for host names (glibc's default order, written out)
#   home/nonroot, tmp          empty directories (tmp 1777, for an emptyDir or tmpfs mounted there)
#
# Nothing else: no shell, no package manager. The files belong to whoever runs the script; the image build copies
# them as root:root. With --list it also prints each library and the Debian package that ships it.
#
# Bounds: at most 200 libraries (an executable that loads more is not one of ours), each a regular file after
# resolving symlinks.
set -euo pipefail

fail() {
    echo "image-rootfs: $*" >&2
    exit 1
}

list=0
if [[ "${1:-}" == "--list" ]]; then
    list=1
    shift
fi
[[ $# -eq 2 ]] || fail "usage: scripts/image-rootfs.sh [--list] BINARY OUTDIR"
binary="$1"
out="$2"
max_libraries=200
ca_bundle="${C8S_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

[[ -f "$binary" && -x "$binary" ]] || fail "$binary: not an executable file"
command -v ldd > /dev/null || fail "ldd is not on PATH (Debian package libc-bin)"
command -v strip > /dev/null || fail "strip is not on PATH (Debian package binutils)"
[[ -f "$ca_bundle" ]] || fail "$ca_bundle: no CA bundle (install Debian's ca-certificates, or set C8S_CA_BUNDLE)"
if [[ -e "$out" ]]; then
    [[ -d "$out" && -z "$(ls -A "$out")" ]] || fail "$out: exists and is not an empty directory"
fi
name="$(basename "$binary")"

# The libraries: every absolute path ldd prints ("libx.so.1 => /path (0x...)" and the loader "/lib64/ld-... (0x...)").
# A library ldd cannot find is an error here, not a container that fails at start.
ldd_output="$(ldd "$binary" 2>&1)" || fail "ldd $binary failed: $ldd_output"
if grep -q "not found" <<< "$ldd_output"; then
    fail "$binary loads libraries that are not installed: $(grep 'not found' <<< "$ldd_output" | tr -s ' \t' ' ')"
fi
if grep -q "not a dynamic executable" <<< "$ldd_output"; then
    libraries=()
else
    mapfile -t libraries < <(awk '
        $2 == "=>" && $3 ~ /^\// { print $3; next }
        $1 ~ /^\// { print $1 }' <<< "$ldd_output" | sort -u)
fi
[[ ${#libraries[@]} -le $max_libraries ]] \
    || fail "$binary loads ${#libraries[@]} libraries, more than the limit of $max_libraries"

mkdir -p "$out/usr/local/bin" "$out/etc/ssl/certs" "$out/home/nonroot" "$out/tmp"
chmod 1777 "$out/tmp"
install -m 0755 "$binary" "$out/usr/local/bin/$name"
# Debug information and symbols are most of a Swift executable (a release c8s-agent: 153 MiB, 79 MiB stripped).
strip --strip-unneeded "$out/usr/local/bin/$name" || fail "strip $binary failed"

for library in "${libraries[@]}"; do
    resolved="$(readlink -f "$library")"
    [[ -f "$resolved" ]] || fail "$library (from ldd $binary) is not a regular file"
    mkdir -p "$out$(dirname "$library")"
    install -m 0755 "$resolved" "$out$library"
    # Debian keeps the loader at /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...; both names work.
    if [[ $list -eq 1 ]]; then
        package="$(dpkg -S "$resolved" 2>/dev/null | head -n 1 | cut -d: -f1)" || true
        [[ -n "$package" ]] || package="$(dpkg -S "$library" 2>/dev/null | head -n 1 | cut -d: -f1)" || true
        printf '%-60s %8s KiB  %s\n' "$library" "$(( $(stat -c %s "$resolved") / 1024 ))" \
            "${package:-not from a Debian package}"
    fi
done

install -m 0644 "$ca_bundle" "$out/etc/ssl/certs/ca-certificates.crt"
cat > "$out/etc/passwd" << 'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat > "$out/etc/group" << 'EOF'
root:x:0:
nonroot:x:65532:
EOF
cat > "$out/etc/nsswitch.conf" << 'EOF'
passwd: files
group: files
hosts: files dns
EOF
chmod 0644 "$out/etc/passwd" "$out/etc/group" "$out/etc/nsswitch.conf"
