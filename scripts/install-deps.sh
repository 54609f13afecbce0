#!/usr/bin/env bash
# Installs the Debian packages Oracle Chat builds against, only if one is missing.
set -euo pipefail
# python3-venv: scripts/api-fuzz.sh, the last step of make test, keeps schemathesis in a virtualenv.
packages=(liblua5.4-dev libsqlite3-dev libcurl4-openssl-dev pkg-config python3 python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "Installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
