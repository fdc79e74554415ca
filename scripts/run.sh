#!/usr/bin/env bash
# `make run`: initialise ./data on first run (printing the admin login), then serve.
set -eu
cd "$(dirname "$0")/.."
data=${KARTOTEKA_DATA:-./data}
listen=${KARTOTEKA_LISTEN:-127.0.0.1:8080}
if [ ! -f "$data/kartoteka.db" ]; then
  build/kartoteka init --data "$data"
else
  echo "Using existing data in $data (the first admin login is in $data/initial-admin.txt if it was generated)."
fi
echo "Serving on http://$listen  (Ctrl-C to stop)"
exec build/kartoteka serve --data "$data" --listen "$listen"
