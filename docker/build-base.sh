#!/usr/bin/env bash
# Builds the Debian 12 base image locally (no container registry is reachable)
# and stores it in buildah's storage as localhost/debian:12-slim.
#
#   docker/build-base.sh [--force]
#
# mmdebstrap --variant=minbase bookworm → base.tar → `buildah from scratch`,
# add the tarball, commit. Skips the work when the image already exists
# (unless --force). Env: BASE_IMAGE (default localhost/debian:12-slim),
# MIRROR (default http://deb.debian.org/debian), STORAGE_DRIVER (default vfs).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=${BASE_IMAGE:-localhost/debian:12-slim}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
BH=(buildah --storage-driver "$STORAGE_DRIVER")
force=0
[ "${1:-}" = "--force" ] && force=1

need() {  # need <command> <package>
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$2" >/dev/null \
    || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$2" >/dev/null; }
}
need buildah buildah
need mmdebstrap mmdebstrap

if [ $force -eq 0 ] && "${BH[@]}" inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "base image $BASE_IMAGE already present"
  exit 0
fi

work=$(mktemp -d /var/tmp/tc-action-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A "slim" minbase: no docs, man pages or locales (as debian:12-slim's dpkg excludes).
# merged-usr via the hook (as debuerreotype does), not the usrmerge package (which pulls in perl).
mmdebstrap --variant=minbase --quiet \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --aptopt='APT::Install-Recommends "false"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
  bookworm "$work/base.tar" "$MIRROR"

ctr=$("${BH[@]}" from scratch)
trap '"${BH[@]}" rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"${BH[@]}" add "$ctr" "$work/base.tar" /
"${BH[@]}" config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --os linux --arch amd64 --label org.opencontainers.image.description="Debian 12 minbase (mmdebstrap, local)" "$ctr"
"${BH[@]}" commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
trap 'rm -rf "$work"' EXIT
echo "built $BASE_IMAGE"
"${BH[@]}" images "$BASE_IMAGE"
