#!/usr/bin/env bash
# Makes the base image the Dockerfile's NODE_IMAGE names when no registry is reachable: Debian
# bookworm (debootstrap --variant=minbase, cached in $DICOM_BASE_CACHE), this machine's node and
# npm laid out as in the official node images (/usr/local), its CA bundle (npm and node reach the
# registry through this machine's trust store, hence NODE_EXTRA_CA_CERTS), and the user `node`
# (uid 1000) the official images have. Done once: an existing image is kept.
#
# Usage: tools/container/base-image.sh IMAGE        (buildah and debootstrap; run as root)
set -euo pipefail
image="$1"
cache="${DICOM_BASE_CACHE:-/var/tmp/dicom-base}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Every buildah call uses the same (vfs) store: the base made here is found by the build.
export STORAGE_DRIVER=vfs
buildah() { command buildah --storage-driver vfs "$@"; }

if buildah inspect --type image "$image" >/dev/null 2>&1; then exit 0; fi

if [ ! -e "$cache/rootfs/.complete" ]; then
  echo "== base: debootstrap --variant=minbase bookworm into $cache/rootfs (once)"
  mkdir -p "$cache"
  rm -rf "$cache/rootfs.tmp"
  nice -n 10 debootstrap --variant=minbase bookworm "$cache/rootfs.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log"; exit 1; }
  # What an image needs no copy of: downloaded packages, package lists, documentation.
  rm -rf "$cache/rootfs.tmp"/var/cache/apt/archives/*.deb "$cache/rootfs.tmp"/var/lib/apt/lists/* \
    "$cache/rootfs.tmp"/usr/share/doc/* "$cache/rootfs.tmp"/usr/share/man/* "$cache/rootfs.tmp"/usr/share/info/*
  touch "$cache/rootfs.tmp/.complete"
  rm -rf "$cache/rootfs"
  mv "$cache/rootfs.tmp" "$cache/rootfs"
fi

echo "== base: $image from $cache/rootfs + $(command -v node) ($(node --version))"
ctr=$(buildah from scratch)
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt=$(buildah mount "$ctr")
cp -a "$cache/rootfs/." "$mnt/"
rm -f "$mnt/.complete"
install -m 0755 "$(readlink -f "$(command -v node)")" "$mnt/usr/local/bin/node"
mkdir -p "$mnt/usr/local/lib/node_modules"
cp -a "$(npm root -g)/npm" "$mnt/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
mkdir -p "$mnt/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$mnt/etc/ssl/certs/ca-certificates.crt"
chroot "$mnt" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
buildah umount "$ctr" >/dev/null
buildah config --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --cmd node "$ctr"
buildah commit --quiet --format docker "$ctr" "$image" >/dev/null
