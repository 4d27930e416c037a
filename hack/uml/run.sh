#!/usr/bin/env bash
# Runs one command inside a user-mode-linux kernel (Debian's linux.uml, a real Linux 6.1 with
# IPVS as modules) and returns its exit code, stdout and stderr. The guest's kernel console is
# written to a log file, never mixed into the command's output.
#
#   hack/uml/run.sh [--mem 1024M] [--modules "ip_vs ip_vs_rr"] [--timeout 600]
#                   [--keep-console FILE] [--share DIR]... [--stream] -- COMMAND [ARG...]
#
# The command runs as root in the current directory (which must be visible to the guest: the
# host's / is the guest's root, read-only), with a tmpfs on /tmp and /run, and with IPVS
# (plus any --modules) loaded. Each --share DIR is mounted read-write at the same path inside,
# which is how results files come back; the working tree itself is a throw-away overlay. Exit status: the command's, or 125 when the kernel did not come
# back with one (boot failure, timeout), in which case the console tail goes to stderr.
# --stream passes the command's stdout and stderr through while it runs (instead of at the end).
# With it, SIGINT/SIGTERM create the file `interrupt` in the job directory (/run/job/interrupt
# inside), give the command up to 15 s to notice it and finish, then stop the kernel; exit 130.
set -euo pipefail
mem=1024M
modules="ip_vs"
timeout_s=600
keep_console=""
shares=()
stream=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mem) mem=$2; shift 2 ;;
    --modules) modules="ip_vs $2"; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --keep-console) keep_console=$2; shift 2 ;;
    --share) shares+=("$(cd "$2" && pwd)"); shift 2 ;;
    --stream) stream=1; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--mem M] [--modules LIST] [--timeout S] -- COMMAND..." >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v linux.uml >/dev/null || { echo "run.sh: linux.uml not installed (apt-get install user-mode-linux)" >&2; exit 125; }

job=$(mktemp -d /tmp/lvs-uml-job.XXXXXX)
uml_tmp=$(mktemp -d /dev/shm/lvs-uml-mem.XXXXXX 2>/dev/null || mktemp -d)
cleanup() { rm -rf "$job" "$uml_tmp"; }
trap cleanup EXIT
pwd >"$job/cwd"
printf '%s\n' "${shares[@]}" >"$job/shares"
echo "$modules" | tr ' ' '\n' | grep -v '^$' >"$job/modules"
{
  echo "set -e"
  # Variables the tests read are carried into the guest; nothing else of the host's env is.
  for v in CI UPDATE_GOLDEN LOG_LEVEL $(compgen -e | grep -E '^LVS_' || true); do
    [ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
  done
  printf 'export PATH=%q:$PATH\n' "$(dirname "$(command -v node)")"
  echo "set +e"
  printf '%q ' "$@"
  echo
} >"$job/cmd.sh"

# UML maps its memory from a file under TMPDIR; /dev/shm keeps it in RAM.
boot() {
  TMPDIR="$uml_tmp" timeout --kill-after=10 "$timeout_s" linux.uml \
    mem="$mem" root=/dev/root rootfstype=hostfs rootflags=/ ro \
    init="$here/guest-init.sh" lvs_job="$job" con=null con0=fd:0,fd:1 \
    </dev/null >"$job/console.log" 2>&1
}
set +e
if [ "$stream" = 1 ]; then
  # The guest writes its output files through hostfs as it goes: follow them until the kernel exits.
  : >"$job/stdout"
  : >"$job/stderr"
  boot &
  uml_pid=$!
  tail -n +1 -s 0.2 -f --pid="$uml_pid" "$job/stdout" &
  tail_out=$!
  tail -n +1 -s 0.2 -f --pid="$uml_pid" "$job/stderr" >&2 &
  tail_err=$!
  stop_guest() {
    trap - INT TERM
    echo "run.sh: interrupted; asking the command in the guest to stop" >&2
    : >"$job/interrupt"
    for _ in $(seq 1 75); do
      kill -0 "$uml_pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$uml_pid" 2>/dev/null; then
      echo "run.sh: stopping the user-mode-linux kernel" >&2
      pkill -TERM -P "$uml_pid" 2>/dev/null
      kill -TERM "$uml_pid" 2>/dev/null
    fi
    wait "$uml_pid" 2>/dev/null
    # The followers end with the kernel, after passing on what the command wrote last.
    wait "$tail_out" "$tail_err" 2>/dev/null
    exit 130
  }
  trap stop_guest INT TERM
  wait "$uml_pid"
  uml_status=$?
  wait "$tail_out" "$tail_err"
  trap - INT TERM
else
  boot
  uml_status=$?
  [ -f "$job/stdout" ] && cat "$job/stdout"
  [ -f "$job/stderr" ] && cat "$job/stderr" >&2
fi
set -e
[ -n "$keep_console" ] && cp "$job/console.log" "$keep_console"
if [ -f "$job/rc" ]; then
  exit "$(cat "$job/rc")"
fi
{
  echo "run.sh: the guest returned no exit status (linux.uml status $uml_status); console tail:"
  tail -n 40 "$job/console.log"
  [ -f "$job/init.log" ] && { echo "--- init.log"; tail -n 20 "$job/init.log"; }
} >&2
exit 125
