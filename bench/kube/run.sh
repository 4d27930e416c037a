#!/usr/bin/env bash
# VirtualServer apply-to-IPVS latency: boots the kernel harness (the host kernel has no IPVS)
# and runs bench/kube/apply-latency.ts inside it (etcd, kube-apiserver, the controller and
# `lvs-operator director`), then writes bench/results/kube-apply-latency-<date>.md with the
# machine it ran on.
#
#   bench/kube/run.sh            (LVS_BENCH_APPLIES=200 LVS_BENCH_PRESENT=1000 by default)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=../../hack/node-env.sh
source hack/node-env.sh
# shellcheck source=../machine.sh
source bench/machine.sh
bin=$(hack/kube/build.sh | tail -n 1)
out=$(mktemp -d /tmp/lvs-kube-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
console=()
# LVS_BENCH_CONSOLE=<file> keeps the guest's kernel console (a process killed for memory
# shows there). user-mode-linux maps a guest process's memory page by page into a host
# process, so a guest process beyond about 256 MiB can reach the host's vm.max_map_count
# (65530) and be killed; GOGC and GOMEMLIMIT keep kube-apiserver and etcd (Go) below it
# (kube-apiserver with 1,200 VirtualServers: 383 MB resident by default, 272 MB so).
[ -n "${LVS_BENCH_CONSOLE:-}" ] && console=(--keep-console "$LVS_BENCH_CONSOLE")
LVS_KUBE_BIN=$bin hack/uml/run.sh --stream --mem 2048M --modules "ip_vs_rr" --share "$out" --timeout 3600 "${console[@]}" -- \
  sh -c 'ip link set lo up && GOGC=50 GOMEMLIMIT=200MiB exec npx tsx bench/kube/apply-latency.ts "$0"' "$out"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
guest_kernel=$(hack/uml/run.sh -- uname -r)
file="bench/results/kube-apply-latency-$(date -u +%Y-%m-%d).md"
npx tsx bench/kube/report.ts "$out/result.json" >"$file" \
  --started "$started" \
  --machine "$(host_machine), guest kernel ${guest_kernel} (user-mode-linux, mem=2048M, one CPU), Node $(node --version)" \
  --load "${load_before} before, ${load_after} after (1, 5, 15 min)"
cat "$file"
