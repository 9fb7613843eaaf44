#!/usr/bin/env bash
# Installs the Debian packages Fidelis needs to build, test and demo, if any
# is missing. Safe to run again; needs root (or sudo) only when installing.
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config clang clang-format
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev
  sqlite3 tzdata wrk valgrind postgresql libpq-dev
  python3 python3-pytest python3-requests python3-jsonschema libyaml-dev
)
if [ "${FIDELIS_WEB_TESTS:-1}" = 1 ]; then
  packages+=(chromium)
  # Node may come from elsewhere than Debian (this image ships its own, with
  # npm); only ask Debian for it when there is none.
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq "${missing[@]}" </dev/null
fi
