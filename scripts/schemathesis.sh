#!/usr/bin/env bash
# Property-based API tests with Schemathesis against a running Pacer.
#
#   scripts/schemathesis.sh BASE_URL TOKEN [MIN_CASES] [extra `schemathesis run` options...]
#   e.g. scripts/schemathesis.sh http://127.0.0.1:3000 "$TOKEN" 2000
#
# Loads BASE_URL/api/v1/openapi.json, generates valid and invalid requests for every operation
# (sent with `Authorization: Bearer TOKEN`) and fails if any response is a 5xx or does not match
# the spec (undocumented status code, wrong Content-Type, body or headers not matching the schema),
# or if fewer than MIN_CASES (default 2000) test cases were generated in total.
#
# Environment (all optional):
#   PACER_SCHEMATHESIS_VENV          virtualenv to install into (default /var/cache/pacer/venv)
#   PACER_SCHEMATHESIS_MAX_EXAMPLES  cases per operation in the fuzzing phase (default: MIN_CASES / operations)
#   PACER_SCHEMATHESIS_SEED          seed; the same seed, spec and server give the same cases (default 1)
#   PACER_SCHEMATHESIS_REPORT_DIR    keep the JSON and JUnit reports there (default: thrown away)
#   PYTHON                           interpreter for the virtualenv (default python3; needs >= 3.11)
set -euo pipefail

usage() { echo "usage: $0 BASE_URL TOKEN [MIN_CASES] [schemathesis run options...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
BASE_URL=${1%/}
TOKEN=$2
MIN_CASES=${3:-2000}
shift $(( $# >= 3 ? 3 : 2 ))
[[ $MIN_CASES =~ ^[0-9]+$ ]] || usage

# Pinned together: the cases a seed produces depend on both, so a new release must not change them silently.
PINS=(schemathesis==4.32.5 hypothesis==6.170.17)
VENV=${PACER_SCHEMATHESIS_VENV:-/var/cache/pacer/venv}
PYTHON=${PYTHON:-python3}
SEED=${PACER_SCHEMATHESIS_SEED:-1}
SCHEMA_URL=$BASE_URL/api/v1/openapi.json

installed_pins() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(" ".join(f"{n}=={m.version(n)}" for n in ("schemathesis", "hypothesis")))' 2>/dev/null || true
}

# Install once per machine; the lock keeps two parallel runs from building the same venv at once.
if [ "$(installed_pins)" != "${PINS[*]}" ]; then
  mkdir -p "$(dirname "$VENV")"
  (
    flock 9
    if [ "$(installed_pins)" != "${PINS[*]}" ]; then
      "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { echo "schemathesis 4 needs Python >= 3.11; $PYTHON is $("$PYTHON" --version 2>&1). Set PYTHON." >&2; exit 1; }
      echo "==> Installing ${PINS[*]} into $VENV"
      # --clear: a venv left by another interpreter (pyenv switch) would break in odd ways.
      [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c '' 2>/dev/null || "$PYTHON" -m venv --clear "$VENV"
      "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input "${PINS[@]}"
    fi
  ) 9>"$VENV.lock"
fi

WORK=$(mktemp -d /tmp/pacer-schemathesis.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
REPORT_DIR=${PACER_SCHEMATHESIS_REPORT_DIR:-$WORK}
mkdir -p "$REPORT_DIR"
REPORT_DIR=$(cd "$REPORT_DIR" && pwd)  # absolute: schemathesis runs from $WORK

# `-n` is per operation and the fuzzing phase uses exactly that many, so aim it at MIN_CASES;
# the coverage and stateful phases add more on top.
if [ -n "${PACER_SCHEMATHESIS_MAX_EXAMPLES:-}" ]; then
  MAX_EXAMPLES=$PACER_SCHEMATHESIS_MAX_EXAMPLES
else
  OPERATIONS=$(TOKEN=$TOKEN "$VENV/bin/python" - "$SCHEMA_URL" <<'EOF'
import json, os, sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Authorization": f"Bearer {os.environ['TOKEN']}"})
spec = json.load(urllib.request.urlopen(req, timeout=30))
methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
print(sum(1 for item in spec.get("paths", {}).values() for method in item if method in methods))
EOF
  )
  [ "$OPERATIONS" -gt 0 ] || { echo "No operations in $SCHEMA_URL" >&2; exit 1; }
  MAX_EXAMPLES=$(( (MIN_CASES + OPERATIONS - 1) / OPERATIONS ))
  [ "$MAX_EXAMPLES" -ge 50 ] || MAX_EXAMPLES=50
  echo "==> $OPERATIONS operations, $MAX_EXAMPLES fuzzing cases each"
fi

# Schemathesis otherwise keeps a replay cache in ./.schemathesis, which makes the next run differ;
# the warnings listed turn false greens into failures: a bad token makes every answer a documented
# 401 (missing_auth), a wrong base URL a 404 (base_url_mismatch), 429s hide the API (rate_limited),
# and a reference the spec cannot resolve leaves parameters untested (unresolvable_reference).
# Not validation_mismatch: Pacer's writes name existing rows (a random customer_id is a 404) and
# keep rules a schema cannot say (an activity is not in the future), so most generated writes are
# rightly refused; the integration tests cover the accepted ones.
cat >"$WORK/schemathesis.toml" <<'EOF'
[cache]
enabled = false

[warnings]
fail-on = ["missing_auth", "base_url_mismatch", "rate_limited", "unresolvable_reference"]
EOF

# Hypothesis keeps its caches beside the current directory: keep them and the reports out of the repo.
cd "$WORK"
export HYPOTHESIS_STORAGE_DIRECTORY=$WORK/hypothesis

# Every check except the two that judge the server's *decisions* rather than its responses:
# positive_data_acceptance fails a server that rejects schema-valid input (serde refuses 3.0 for an
# integer; business rules say 422), negative_data_rejection one that accepts more than the schema says.
# --mode all sends invalid requests too: they must get a documented 4xx, never a 5xx.
set +e
"$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "$SCHEMA_URL" \
  --origin "$BASE_URL" \
  --header "Authorization: Bearer $TOKEN" \
  --checks all --exclude-checks positive_data_acceptance,negative_data_rejection \
  --mode all --phases examples,coverage,fuzzing,stateful \
  --max-examples "$MAX_EXAMPLES" --seed "$SEED" --generation-database none \
  --workers 1 --request-timeout 30 --wait-for-schema 30 \
  --report json,junit --report-json-path "$REPORT_DIR/schemathesis.json" \
  --report-junit-path "$REPORT_DIR/schemathesis-junit.xml" \
  "$@"
STATUS=$?
set -e

# The JSON report counts every case sent, across phases and operations.
GENERATED=$("$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["test_cases"]["generated"])' \
  "$REPORT_DIR/schemathesis.json" 2>/dev/null || echo 0)
echo "schemathesis: $GENERATED test cases generated (minimum $MIN_CASES), exit code $STATUS"
if [ "$STATUS" -ne 0 ]; then
  exit "$STATUS"
fi
if [ "$GENERATED" -lt "$MIN_CASES" ]; then
  echo "Too few test cases: raise PACER_SCHEMATHESIS_MAX_EXAMPLES (now $MAX_EXAMPLES)." >&2
  exit 1
fi
