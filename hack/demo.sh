#!/usr/bin/env bash
# README's main command: bootstrap, then the demo of seed 000 (`lvs-operator demo`): a client,
# two VRRP directors and two web backends in network namespaces, DR with the REDIRECT rule;
# the master director is killed, then a backend is drained by renaming its health page.
#
#   hack/demo.sh [--quick] [other `lvs-operator demo` flags]
#
# Runs natively when the host kernel has IPVS, otherwise inside user-mode-linux
# (hack/uml/run.sh), with the output streamed as it happens. Ctrl-C stops everything.
# LVS_KERNEL=uml|native forces one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ "${1:-}" = "--in-guest" ]; then
  # Inside the user-mode-linux guest (PID 1 set a fixed PATH): Node 24 from .cache/, and
  # iptables meaning iptables-legacy, because this 6.1 kernel has no nftables NAT and Debian's
  # default iptables is the nftables variant.
  shift
  # shellcheck source=hack/node-env.sh
  source "$here/node-env.sh"
  cd "$repo_root"
  bin=$(mktemp -d /tmp/lvs-demo-bin.XXXXXX)
  for pair in iptables:iptables-legacy ip6tables:ip6tables-legacy \
    iptables-save:iptables-legacy-save ip6tables-save:ip6tables-legacy-save \
    iptables-restore:iptables-legacy-restore ip6tables-restore:ip6tables-legacy-restore; do
    target=$(command -v "${pair#*:}" || true)
    [ -n "$target" ] && ln -s "$target" "$bin/${pair%%:*}"
  done
  export PATH="$bin:$PATH"
  node dist/src/cli/lvs-operator.js demo "$@" &
  demo=$!
  # Ctrl-C on the host: run.sh --stream creates /run/job/interrupt; the demo gets SIGINT and
  # removes its namespaces and processes, as it does natively.
  (
    while kill -0 "$demo" 2>/dev/null; do
      if [ -e /run/job/interrupt ]; then
        kill -INT "$demo"
        break
      fi
      sleep 0.3
    done
  ) &
  wait "$demo"
  exit $?
fi

if [ "$(id -u)" != 0 ]; then
  cat >&2 <<'EOF'
The demo needs root: it builds network namespaces (a client, two directors, two web
backends) joined by a bridge, and programs kernel IPVS and iptables inside them.
Run it as root: sudo npm start
EOF
  exit 1
fi

# LVS_SKIP_BOOTSTRAP=1: the caller has bootstrapped and built already (the e2e test).
[ "${LVS_SKIP_BOOTSTRAP:-}" = 1 ] || "$here/bootstrap.sh"
# shellcheck source=hack/node-env.sh
source "$here/node-env.sh"
cd "$repo_root"

view=()
if [ -t 1 ]; then view+=(--live --rows "$(tput lines 2>/dev/null || echo 40)"); else view+=(--no-live); fi
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then view+=(--color); else view+=(--no-color); fi

mode=${LVS_KERNEL:-}
if [ -z "$mode" ]; then
  if [ -e /proc/net/ip_vs ] || modprobe -q ip_vs 2>/dev/null; then mode=native; else mode=uml; fi
fi
if [ "$mode" = native ]; then
  exec node dist/src/cli/lvs-operator.js demo "${view[@]}" "$@"
fi

echo "This kernel has no IPVS: the demo runs inside user-mode-linux (Linux 6.1 as a process)."
# IPVS schedulers, veth, the bridge and the iptables REDIRECT pieces are modules there, and
# nothing loads them on demand.
modules="ip_vs_lc veth bridge iptable_nat xt_REDIRECT xt_tcpudp"
exec "$here/uml/run.sh" --stream --mem 2048M --timeout 900 --modules "$modules" -- \
  bash hack/demo.sh --in-guest "${view[@]}" "$@"
