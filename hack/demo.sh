#!/usr/bin/env bash
# README's main command: bootstrap, then run the demo.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/bootstrap.sh"
# shellcheck source=hack/node-env.sh
source "$here/node-env.sh"
cd "$repo_root"
exec node dist/src/cli/lvsctl.js validate examples/ "$@"
