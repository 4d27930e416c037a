#!/usr/bin/env bash
# README's test command: bootstrap, then lint, type-check and every test tier.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/bootstrap.sh"
# shellcheck source=hack/node-env.sh
source "$here/node-env.sh"
cd "$repo_root"
echo "== lint" >&2
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }
echo "== typecheck" >&2
npx tsc -p tsconfig.json --noEmit
echo "== tests" >&2
npx vitest run "$@"
