#!/usr/bin/env bash
# Fetches a real Debian kernel module tree for the linker's tests and benchmark: the signed
# linux-image package (its /lib/modules tree and System.map) and the matching headers package
# (its Module.symvers). Both are unpacked with dpkg-deb -x under kernel-trees/, which git
# ignores; nothing here is ever committed. Running it again does nothing if the tree is there.
#
# Usage: scripts/fetch-kernel-tree.sh [KERNEL_VERSION]
#   KERNEL_VERSION defaults to 6.1.0-50-amd64 when the archive still has it, else to the
#   version the linux-image-amd64 meta-package depends on.
set -euo pipefail
cd "$(dirname "$0")/.."
trees_dir="$PWD/kernel-trees"

pick_version() {
  if [ -n "${1:-}" ]; then echo "$1"; return; fi
  if apt-cache show linux-image-6.1.0-50-amd64 >/dev/null 2>&1; then echo 6.1.0-50-amd64; return; fi
  apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n 1
}

version=$(pick_version "${1:-}")
if [ -z "$version" ]; then
  echo "fetch-kernel-tree: no linux-image package found (run apt-get update first?)" >&2
  exit 1
fi
tree="$trees_dir/$version"
if [ -f "$tree/.complete" ]; then
  echo "kernel tree already present: $tree"
  echo "modules: $tree/lib/modules/$version"
  exit 0
fi

download_dir=$(mktemp -d)
chmod 755 "$download_dir"  # apt downloads as the _apt user when it can
trap 'rm -rf "$download_dir"' EXIT
(cd "$download_dir" && apt-get download "linux-image-$version" "linux-headers-$version")
rm -rf "$tree"
mkdir -p "$tree"
for deb in "$download_dir"/*.deb; do
  dpkg-deb -x "$deb" "$tree"
done
# The headers package keeps Module.symvers under /usr/src; one stable name is easier to find.
cp "$tree/usr/src/linux-headers-$version/Module.symvers" "$tree/Module.symvers"
touch "$tree/.complete"
echo "kernel tree: $tree"
echo "modules: $tree/lib/modules/$version"
echo "Module.symvers: $tree/Module.symvers"
echo "System.map: $tree/boot/System.map-$version"
