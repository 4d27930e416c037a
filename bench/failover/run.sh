#!/usr/bin/env bash
# The failover comparison (bench/failover/compare.ts): keepalived 2.2.7 and lvs-operator side by
# side in one run of the kernel harness, every event of bench/failover/README.md. Writes
# bench/results/failover-<date>.md with the machine it ran on.
#
#   bench/failover/run.sh [--runs N] [--only crash,graceful,...] [--impls keepalived,lvs-operator]
set -euo pipefail
runs=1
only=""
impls="keepalived,lvs-operator"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --impls) impls=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--only ID,...] [--impls keepalived,lvs-operator]" >&2; exit 2 ;;
  esac
done
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
# shellcheck source=../../hack/node-env.sh
source hack/node-env.sh
# shellcheck source=../machine.sh
source bench/machine.sh
npm run --silent build
command -v keepalived >/dev/null || { echo "run.sh: keepalived is not installed (apt-get install keepalived)" >&2; exit 1; }
out=$(mktemp -d /tmp/lvs-failover.XXXXXX)
trap 'rm -rf "$out"' EXIT
modules="veth bridge dummy ip_vs_rr ip_vs_wlc ip_vs_lc nf_conntrack nf_nat iptable_nat iptable_filter xt_REDIRECT xt_tcpudp xt_statistic"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LVS_FAILOVER_RUNS=$runs LVS_FAILOVER_ONLY=$only LVS_FAILOVER_IMPLS=$impls LVS_FAILOVER_OUT=$out \
  hack/uml/run.sh --timeout $((runs * 3600)) --share "$out" --modules "$modules" -- npx tsx bench/failover/compare.ts
guest_kernel=$(hack/uml/run.sh -- uname -r)
report=bench/results/failover-$(date -u +%Y-%m-%d).md
{
  echo "# Director failover: keepalived and lvs-operator side by side"
  echo
  echo "Measured ${started} by \`bench/failover/run.sh --runs ${runs}${only:+ --only ${only}}\` at commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' (with uncommitted changes in src/)'), ${runs} run(s) of each event per implementation, the two implementations alternating which goes first."
  echo
  echo "Machine: $(host_machine), guest kernel ${guest_kernel} (user-mode-linux, mem=1024M), keepalived $(keepalived --version 2>&1 | head -1 | awk '{print $2}'), Node $(node --version), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "Setup (bench/failover/README.md): two directors (VRRP, both BACKUP with priority 100,"
  echo "nopreempt), DR rr to two HTTP backends with HTTP_GET inhibit_on_failure and delay_loop 1,"
  echo "ip_forward on the directors; one keepalived.conf, which keepalived runs and lvs-operator runs"
  echo "through \`lvsctl import\`. Client: a new connection every 20 ms with a 1 s timeout, and 50"
  echo "keep-alive connections with a request every 100 ms."
  echo
  cat "$out/table.md"
} >"$report"
echo "wrote $report"
