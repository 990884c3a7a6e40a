#!/usr/bin/env bash
# Installs the Debian 12 packages tc-action needs to build and test. Idempotent:
# packages already present are not reinstalled and apt is not touched at all then.
set -euo pipefail
PKGS=(
  build-essential cmake pkg-config git ca-certificates
  libpoco-dev
  rapidjson-dev
  libvalijson-dev
  libyaml-cpp-dev
  libspdlog-dev libfmt-dev
  catch2
  libcli11-dev
  libssl-dev zlib1g-dev openssl
  python3
)
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
