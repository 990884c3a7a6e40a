#!/usr/bin/env bash
# Builds the tc-action image with buildah (chroot isolation, vfs storage: works
# without a daemon, registry or user namespaces).
#
#   docker/build.sh [extra buildah bud args...]     e.g. --target runtime-debian
#
# Env: IMAGE (default localhost/tc-action:latest), BASE_IMAGE (default
# localhost/debian:12-slim, built by docker/build-base.sh when missing),
# JOBS (compile jobs, default 2), LTO (ON|OFF, default ON),
# STORAGE_DRIVER (default vfs). Prints the image size at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/tc-action:latest}
BASE_IMAGE=${BASE_IMAGE:-localhost/debian:12-slim}
STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
BH=(buildah --storage-driver "$STORAGE_DRIVER")

if ! command -v buildah >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends buildah >/dev/null \
    || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends buildah >/dev/null; }
fi
if [[ $BASE_IMAGE == localhost/* ]] && ! "${BH[@]}" inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  BASE_IMAGE=$BASE_IMAGE STORAGE_DRIVER=$STORAGE_DRIVER bash docker/build-base.sh
fi

# --layers: the build stage is cached between builds (and between --target's).
# --pull=never: the base image is local; never try a registry.
"${BH[@]}" bud --isolation chroot --layers --pull=never \
  --build-arg BASE_IMAGE="$BASE_IMAGE" \
  --build-arg JOBS="${JOBS:-2}" \
  --build-arg LTO="${LTO:-ON}" \
  -f docker/Dockerfile -t "$IMAGE" "$@" .
"${BH[@]}" images "$IMAGE"
