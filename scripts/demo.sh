#!/usr/bin/env bash
# The whole callpact path on example data, as a user would type it.
set -euo pipefail
cd "$(dirname "$0")/.."
CP=.venv/bin/callpact
OUT=demo-output
rm -rf "$OUT"; mkdir -p "$OUT"

echo "== 1. check the example annexes"
$CP contract check examples/*.yaml
