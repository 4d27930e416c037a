#!/usr/bin/env bash
# Builds (once) and caches the control plane of the kube test tier: kube-apiserver from the Go
# module proxy, and etcd (Debian's etcd-server when installed, else built from the proxy too).
# Prints the directory holding bin/kube-apiserver and bin/etcd on stdout; progress on stderr.
#
# The cache survives between runs and is keyed by the Kubernetes version and a hash of the
# build inputs, so editing hack/kube/apiserver/go.mod triggers a rebuild and nothing else does.
#   LVS_KUBE_CACHE   cache root (default ${XDG_CACHE_HOME:-~/.cache}/lvs-operator/kube)
#   LVS_KUBE_ETCD    "auto" (default: installed etcd, else Debian's etcd-server when root, else
#                    build), "system" or "build"
# See hack/kube/README.md for build times and sizes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

kube_version=v1.34.4
etcd_module_version=v3.5.21

cache_root=${LVS_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lvs-operator/kube}
# Each binary is keyed by its version and the hash of its Go module folder, so editing one
# go.mod rebuilds that binary only.
hash_of() { cat "$@" | sha256sum | cut -c1-12; }
out="$cache_root/$kube_version-$(hash_of "$here"/apiserver/{main.go,go.mod,go.sum})"
etcd_out="$cache_root/etcd-$etcd_module_version-$(hash_of "$here"/etcd/{main.go,go.mod,go.sum})"
mkdir -p "$out/bin"

log() { echo "kube-build: $*" >&2; }

# One build at a time per cache entry (parallel test runs wait for the first).
exec 9>"$out/.lock"
flock 9

if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then PATH=/usr/local/go/bin:$PATH; fi
fi

# go build in a scratch copy of a module folder, so the checkout is never modified.
go_build() {
  local src=$1 dest=$2 ldflags=$3 work
  command -v go >/dev/null || { log "go is not installed (https://go.dev/dl/; 1.24 or newer)"; return 1; }
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" RETURN
  cp "$src"/* "$work/"
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dest.tmp" .)
  mv "$dest.tmp" "$dest"
}

if [ ! -x "$out/bin/kube-apiserver" ]; then
  log "building kube-apiserver $kube_version from the Go module proxy ($(go env GOPROXY 2>/dev/null || echo '?')); a cold build takes a while"
  start=$(date +%s)
  minor=${kube_version#v1.}
  minor=${minor%%.*}
  pkg=k8s.io/component-base/version
  # The same variables hack/lib/version.sh sets in the upstream build, so /version is right.
  ldflags="-s -w -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$kube_version"
  go_build "$here/apiserver" "$out/bin/kube-apiserver" "$ldflags"
  log "kube-apiserver built in $(($(date +%s) - start))s"
fi

etcd_mode=${LVS_KUBE_ETCD:-auto}
system_etcd=
if [ "$etcd_mode" != build ]; then
  system_etcd=$(command -v etcd || true)
  if [ -z "$system_etcd" ] && [ "$etcd_mode" = auto ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null &&
    apt-cache policy etcd-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    log "installing Debian's etcd-server"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
    system_etcd=$(command -v etcd || true)
  fi
  [ -n "$system_etcd" ] || [ "$etcd_mode" = auto ] || { log "LVS_KUBE_ETCD=system but no etcd on PATH"; exit 1; }
fi
if [ -n "$system_etcd" ]; then
  ln -sfn "$system_etcd" "$out/bin/etcd"
else
  if [ ! -x "$etcd_out/etcd" ]; then
    log "building etcd $etcd_module_version from the Go module proxy"
    start=$(date +%s)
    mkdir -p "$etcd_out"
    go_build "$here/etcd" "$etcd_out/etcd" "-s -w"
    log "etcd built in $(($(date +%s) - start))s"
  fi
  ln -sfn "$etcd_out/etcd" "$out/bin/etcd"
fi

echo "$out"
