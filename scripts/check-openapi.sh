#!/usr/bin/env bash
# Validates facturier's OpenAPI document with the independent Python validator
# `openapi-spec-validator` (pinned below; installed into a virtualenv under target/).
#
#   scripts/check-openapi.sh                          # builds the document offline (no server)
#   scripts/check-openapi.sh path/to/openapi.json     # a file
#   scripts/check-openapi.sh http://127.0.0.1:8080    # a running server (/api/v1/openapi.json)
#   scripts/check-openapi.sh http://host/api/v1/openapi.json
#
# Exit status 0 when the document is a valid OpenAPI 3.1.0 document.
set -euo pipefail
cd "$(dirname "$0")/.."

VALIDATOR_VERSION="0.9.0"
VENV="${CHECK_OPENAPI_VENV:-target/check-openapi-venv}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
doc="$work/openapi.json"

# 1. The document.
arg="${1:-}"
case "$arg" in
"")
    echo "==> building the document (cargo test -p facturier-server --test all openapi::)"
    OPENAPI_JSON_OUT="$doc" cargo test -q -j2 -p facturier-server --test all \
        openapi::document_lists_exactly_the_routes >/dev/null
    ;;
http://* | https://*)
    url="$arg"
    case "$url" in
    *.json) ;;
    *) url="${url%/}/api/v1/openapi.json" ;;
    esac
    echo "==> fetching $url"
    python3 - "$url" "$doc" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=30) as r:
    open(sys.argv[2], "wb").write(r.read())
EOF
    ;;
*)
    [ -f "$arg" ] || { echo "no such file: $arg" >&2; exit 2; }
    cp "$arg" "$doc"
    ;;
esac
[ -s "$doc" ] || { echo "no document was produced" >&2; exit 1; }

# 2. The validator, pinned, in its own virtualenv.
py="$VENV/bin/python"
installed() {
    "$py" -c 'import importlib.metadata as m, sys; sys.exit(m.version("openapi-spec-validator") != sys.argv[1])' \
        "$VALIDATOR_VERSION" 2>/dev/null
}
if ! [ -x "$py" ] || ! installed; then
    echo "==> installing openapi-spec-validator==$VALIDATOR_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$py" -m pip install --quiet --disable-pip-version-check "openapi-spec-validator==$VALIDATOR_VERSION"
fi

# 3. The check.
echo "==> validating with openapi-spec-validator $VALIDATOR_VERSION"
"$py" - "$doc" <<'EOF'
import json, sys
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

with open(sys.argv[1], encoding="utf-8") as f:
    spec = json.load(f)
if spec.get("openapi") != "3.1.0":
    sys.exit(f"openapi is {spec.get('openapi')!r}, expected '3.1.0'")
errors = list(OpenAPIV31SpecValidator(spec).iter_errors())
for e in errors:
    where = "/".join(str(p) for p in e.absolute_path) or "(document)"
    print(f"  {where}: {e.message[:300]}", file=sys.stderr)
if errors:
    sys.exit(f"{len(errors)} error(s): the OpenAPI document is not valid")
validate(spec, cls=OpenAPIV31SpecValidator)
ops = sum(1 for item in spec["paths"].values() for k in item if k in
          ("get", "put", "post", "delete", "options", "head", "patch", "trace"))
print(f"OpenAPI 3.1.0 document valid: {len(spec['paths'])} paths, {ops} operations, "
      f"{len(spec.get('components', {}).get('schemas', {}))} schemas")
EOF
