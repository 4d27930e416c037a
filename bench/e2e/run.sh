#!/usr/bin/env bash
# The end-to-end soak (bench/e2e/soak.ts) inside the kernel harness; writes
# bench/results/e2e-soak.md with the machine it ran on.
#
#   bench/e2e/run.sh [--minutes 10] [--every 30]
set -euo pipefail
minutes=10
every=30
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --every) every=$2; shift 2 ;;
    *) echo "usage: $0 [--minutes M] [--every S]" >&2; exit 2 ;;
  esac
done
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
# shellcheck source=../../hack/node-env.sh
source hack/node-env.sh
# shellcheck source=../machine.sh
source bench/machine.sh
npm run --silent build
out=$(mktemp -d /tmp/lvs-e2e-soak.XXXXXX)
trap 'rm -rf "$out"' EXIT
modules="veth bridge dummy ip_vs_rr ip_vs_wlc ip_vs_lc nf_conntrack nf_nat iptable_nat iptable_filter xt_REDIRECT xt_tcpudp xt_statistic"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LVS_SOAK_MINUTES=$minutes LVS_SOAK_EVERY_S=$every LVS_SOAK_OUT=$out \
  hack/uml/run.sh --timeout $((minutes * 60 + 900)) --share "$out" --modules "$modules" -- npx tsx bench/e2e/soak.ts
guest_kernel=$(hack/uml/run.sh -- uname -r)
{
  echo "# End-to-end soak: failover every ${every} s for ${minutes} min"
  echo
  echo "Measured ${started} by \`bench/e2e/run.sh --minutes ${minutes} --every ${every}\`."
  echo
  echo "Machine: $(host_machine), guest kernel ${guest_kernel} (user-mode-linux, mem=1024M), Node $(node --version)."
  echo
  echo "Topology: the DR pair of seed 001 (VRRP v2, 1 s adverts, priority 101 on both, nopreempt,"
  echo "connection sync on), two HTTP backends with the VIP on lo, one client, all in one bridge"
  echo "inside the guest. Each failover: the master's agent is SIGKILLed and its link cut; once the"
  echo "backup holds the VIP, the link comes back and the agent restarts (as backup). Requests give"
  echo "up after 10 s (new connections) or 15 s (keep-alive), so a request only fails when the crash"
  echo "loses it, not when it waits for the takeover."
  echo
  cat "$out/summary.md"
} >bench/results/e2e-soak.md
echo "wrote bench/results/e2e-soak.md"
