#!/usr/bin/env bash
# Runs COMMAND where a kernel with IPVS is available, and returns its exit code and output:
# natively in a fresh network namespace (lvs-ipvs-*) when the host kernel has IPVS
# (/proc/net/ip_vs exists or the module loads), otherwise inside user-mode-linux (run.sh).
# Either way the command gets an IPVS table of its own. LVS_KERNEL=uml|native forces a choice.
#
#   hack/uml/kernel-exec.sh [--share DIR]... [--modules LIST] -- COMMAND [ARG...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
args=()
modules=""
while [ $# -gt 0 ]; do
  case "$1" in
    --share) args+=(--share "$2"); shift 2 ;;
    --modules) modules=$2; args+=(--modules "$2"); shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
mode=${LVS_KERNEL:-}
if [ -z "$mode" ]; then
  if [ -e /proc/net/ip_vs ] || modprobe -q ip_vs 2>/dev/null; then mode=native; else mode=uml; fi
fi
if [ "$mode" = uml ]; then
  exec "$here/run.sh" "${args[@]}" -- "$@"
fi
for m in $modules; do modprobe -q "$m" || true; done
ns="lvs-ipvs-exec-$$"
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
ip -n "$ns" link set lo up
set +e
LVS_KERNEL=native ip netns exec "$ns" "$@"
status=$?
set -e
exit "$status"
