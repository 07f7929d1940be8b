#!/usr/bin/env bash
# The whole callpact path on a generated quarter, as a user would type it.
# Everything lands in ./demo-output/ (embedded defaults: SQLite for governance, DuckDB for KPIs).
set -euo pipefail
cd "$(dirname "$0")/.."
CP=.venv/bin/callpact
OUT=demo-output
ANNEX=examples/annex.yaml
MONTHS=(2027-01 2027-02 2027-03)
rm -rf "$OUT"
mkdir -p "$OUT/statements" "$OUT/governance"

# The governance store and the parties' users (the seed creates one user per role, each with
# the demo password). Each party signs in with its own credentials: `act_as USER cmd…` runs a
# command as that signed-in user (one config folder per user, like separate laptops).
export CALLPACT_DATABASE_URL="sqlite:///$OUT/governance/callpact.db"
export CALLPACT_CONTRACT=northwind-harbor-2027
DEMO_PASSWORD=${CALLPACT_DEMO_PASSWORD:-demo-password}
CLIENT=admin@northwind.example
VIEWER=viewer@northwind.example
AUDITOR=auditor@northwind.example
signin() { echo "$DEMO_PASSWORD" | CALLPACT_CONFIG_DIR="$OUT/config/$1" $CP login --email "$1" --password-stdin; }
act_as() { local who=$1; shift; CALLPACT_CONFIG_DIR="$OUT/config/$who" $CP "$@"; }

export COLUMNS=${COLUMNS:-140}  # rich tables stay readable when piped
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Check the example annexes (errors and lint warnings with line numbers)"
$CP contract check examples/*.yaml
$CP contract render "$ANNEX" --format html --out "$OUT/annex.html"
$CP contract render "$ANNEX" --format markdown --out "$OUT/annex.md"
echo "rendered the annex as signed: $OUT/annex.html, $OUT/annex.md"

step "2. Generate a realistic quarter (a missed month, a recovery, a bonus month)"
$CP generate --from "${MONTHS[0]}" --to "${MONTHS[-1]}" --contacts-per-month 60000 --seed 7 \
  --contract "$ANNEX" --out "$OUT/delivery"

step "3. Ingest the vendor's delivery (validated, de-duplicated, atomic), then replay it"
$CP ingest "$OUT/delivery" --workspace "$OUT/workspace"
echo "-- the same delivery again adds nothing:"
$CP ingest "$OUT/delivery" --workspace "$OUT/workspace"

step "4. Can the vendor meet the targets with the staff it scheduled, at this price?"
$CP contract check "$ANNEX" --data "$OUT/workspace" --cost-per-productive-hour 28 --no-lint

step "5. Verbatim audit: is the customer's own voice recorded? (feeds verbatim_fidelity)"
for month in "${MONTHS[@]}"; do
  $CP verbatim audit --data "$OUT/workspace" --period "$month" --contract "$ANNEX" \
    --format json > "$OUT/verbatim-$month.json"
  echo "$month: $(.venv/bin/python -c 'import json,sys; d=json.load(open(sys.argv[1])); a=d["items"]; f=sum(i["judgement"]=="faithful" for i in a); print(f"{f} of {len(a)} audited items faithful")' "$OUT/verbatim-$month.json")"
done

step "6. Governance records: staff, removals, training, incidents, AHT plan, notices"
$CP governance seed --contract "$ANNEX" --data "$OUT/workspace"
VENDOR_ADMIN=admin@harbor.example
VENDOR_MANAGER=manager@harbor.example
for user in "$CLIENT" "$VIEWER" "$AUDITOR" "$VENDOR_ADMIN" "$VENDOR_MANAGER"; do signin "$user"; done
act_as "$VIEWER" removal list --as-of 2027-04-15
act_as "$VIEWER" training list
act_as "$VIEWER" incident list
act_as "$VIEWER" aht-plan list --as-of 2027-04-15
echo "-- time claims: moments a party states for an action recorded later; the other side decides"
act_as "$VIEWER" claim list
pending=$(act_as "$CLIENT" claim list --status pending --format json |
  .venv/bin/python -c 'import json,sys; print(" ".join(str(c["id"]) for c in json.load(sys.stdin)))')
if [ -n "$pending" ]; then
  # shellcheck disable=SC2086 # one argument per claim id
  act_as "$CLIENT" claim reject $pending --note "no trace of a report before the recorded one"
fi
act_as "$CLIENT" notice export --output "$OUT/governance/decisions.json"
echo "-- the outages the vendor declared in its delivery, as the client decided them:"
act_as "$VIEWER" outage list
act_as "$CLIENT" outage export --output "$OUT/governance/outages.json"

step "7. KPI scorecards, month by month"
for month in "${MONTHS[@]}"; do
  $CP kpi "$ANNEX" --data "$OUT/workspace" --period "$month"
done
echo "-- the AHT plan's trajectory against the AHT the engine measured:"
act_as "$VIEWER" aht-plan trajectory --data "$OUT/workspace" --annex "$ANNEX" \
  --month "${MONTHS[0]}" --month "${MONTHS[1]}" --month "${MONTHS[2]}"

step "8. Settle each month: credits, bonuses, cure, incidents, invoice (JSON, HTML, PDF)"
for month in "${MONTHS[@]}"; do
  act_as "$CLIENT" incident records --month "$month" > "$OUT/governance/incidents-$month.json"
  common=(--data "$OUT/workspace" --period "$month" --history "$OUT/statements"
    --incidents "$OUT/governance/incidents-$month.json"
    --decisions "$OUT/governance/decisions.json" --outages "$OUT/governance/outages.json")
  $CP settle "$ANNEX" "${common[@]}" --format json --out "$OUT/statements/$month.json" --store
  $CP statement render "$OUT/statements/$month.json" --format html --out "$OUT/statement-$month.html"
  $CP statement render "$OUT/statements/$month.json" --format pdf --out "$OUT/statement-$month.pdf"
  $CP statement render "$OUT/statements/$month.json"
done

step "9. The months as shared records: issue, review, dispute, correct, approve, final"
for month in "${MONTHS[@]:0:2}"; do
  act_as "$CLIENT" statement issue "$month"
  act_as "$VENDOR_ADMIN" statement accept "$month"
  act_as "$CLIENT" statement approve "$month"
  act_as "$CLIENT" statement finalize "$month"
done
last=${MONTHS[-1]}
act_as "$CLIENT" statement issue "$last"
# The vendor disputes March's first incident liability (or service credit); the client
# agrees to halve it, which issues a debit note superseding the statement.
read -r line half < <(act_as "$VENDOR_MANAGER" statement show "$last" --document | .venv/bin/python -c '
import json, sys
from decimal import Decimal
lines = json.load(sys.stdin)["lines"]
pick = next(l for kind in ("liability", "credit") for l in lines if l["kind"] == kind)
print(pick["line_id"], Decimal(pick["amount"]) / 2)')
act_as "$VENDOR_MANAGER" dispute open --statement "$last" --line "$line" \
  --reason "reported by phone within the deadline; the e-mail followed later"
act_as "$CLIENT" dispute list --month "$last"
act_as "$CLIENT" dispute resolve 1 --resolution adjusted --amount "$half" \
  --note "phone report confirmed for half the cases"
act_as "$VENDOR_ADMIN" statement accept "$last"
act_as "$CLIENT" statement approve "$last"
act_as "$CLIENT" statement finalize "$last"
act_as "$VIEWER" statement list

step "10. Either party re-derives each settlement from the inputs it names (no flags)"
for month in "${MONTHS[@]}"; do
  printf '%s: ' "$month"
  $CP statement verify "$OUT/statements/$month.json"
done

step "11. Backtest the annex on the quarter and simulate a year of exposure"
# The same incidents as the statements: the governance store's, all months together.
.venv/bin/python -c 'import json,sys; json.dump([i for f in sys.argv[2:] for i in json.load(open(f))], open(sys.argv[1], "w"))' \
  "$OUT/governance/incidents.json" "$OUT"/governance/incidents-*.json
$CP backtest "$ANNEX" --data "$OUT/workspace" --from "${MONTHS[0]}" --to "$last" \
  --incidents "$OUT/governance/incidents.json" --decisions "$OUT/governance/decisions.json" \
  --simulate 200 --seed 1 --plot "$OUT/backtest.png"

step "12. The audit trail is intact"
act_as "$AUDITOR" audit verify

echo
echo "demo-output: $(cd "$OUT" && ls -d annex.html statement-*.pdf statement-*.html backtest.png | tr '\n' ' ')"

step "12. The shared portal: a second client and vendor with their own contract, then serve"
$CP governance seed --contract examples/techsupport-per-minute.yaml > /dev/null
echo "two contracts, four organizations; each user sees only their own organization's contract."
echo "logins (password demo-password):"
echo "  client  admin@northwind.example   viewer@northwind.example   (northwind-harbor-2027)"
echo "  vendor  admin@harbor.example      manager@harbor.example"
echo "  client  admin@brightline.example  viewer@brightline.example  (the tech-support contract)"
echo "  vendor  admin@tessera.example     manager@tessera.example"
if [ "${DEMO_SERVE:-1}" != "0" ]; then
  echo "serving the demo at http://127.0.0.1:${DEMO_PORT:-8000}/ (Ctrl-C stops it; DEMO_SERVE=0 skips this)"
  $CP serve --data "$OUT" --port "${DEMO_PORT:-8000}"
fi
