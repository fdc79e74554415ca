#!/usr/bin/env bash
# Installs the Debian packages Kartoteka builds and tests with, only those missing.
# Called by `make run` and `make test`; safe to run again.
set -eu
pkgs=(build-essential pkg-config clang libclang-rt-14-dev
      libmicrohttpd-dev libsqlite3-dev libjansson-dev libsodium-dev libcurl4-openssl-dev
      libphonenumber-dev libprotobuf-dev libicu-dev libboost-dev
      libcsv-dev libzip-dev libexpat1-dev libxlsxwriter-dev libical-dev libpq-dev libcmocka-dev
      wrk sqlite3)
# the machine may carry a newer Node.js than Debian's (nodesource); any node >= 18 will do
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
