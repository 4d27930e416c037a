#!/usr/bin/env bash
# End-to-end on kind, for machines with Docker: create a cluster, build the image and load it,
# install the chart, label nodes, apply the examples and wait for the CRs to report back.
#
#   hack/kind-e2e.sh            create (or reuse) the cluster and run
#   KEEP_CLUSTER=1 hack/kind-e2e.sh   leave the cluster running afterwards
#
# Needs: docker, kind, kubectl, helm on PATH. The kind nodes are containers, so IPVS runs in the
# host kernel: the ip_vs module must be loadable there (modprobe ip_vs).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

cluster=${KIND_CLUSTER:-lvs-e2e}
image=${IMAGE:-lvs-operator:e2e}
namespace=${NAMESPACE:-lvs-system}
timeout=${TIMEOUT:-180s}

log() { printf 'kind-e2e: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    log "failed; state of the cluster follows"
    kubectl --context "kind-$cluster" get pods -A -o wide || true
    kubectl --context "kind-$cluster" get vrrp,vs,rs -A -o wide || true
    kubectl --context "kind-$cluster" get events -A --sort-by=.lastTimestamp | tail -n 50 || true
    kubectl --context "kind-$cluster" -n "$namespace" logs -l app.kubernetes.io/name=lvs-operator \
      --all-containers --prefix --tail=100 || true
  fi
  if [ -z "${KEEP_CLUSTER:-}" ]; then
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
  else
    log "cluster kept: kubectl --context kind-$cluster ..."
  fi
  exit "$status"
}
trap cleanup EXIT

if ! kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  log "creating cluster $cluster (one control plane, two directors, one backend)"
  kind create cluster --name "$cluster" --wait 120s --config - <<'EOF'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
  - role: worker
    labels: { lvs.io/director: "true" }
  - role: worker
    labels: { lvs.io/director: "true" }
  - role: worker
    labels: { lvs.io/realserver: "true" }
EOF
fi
kubectl config use-context "kind-$cluster" >/dev/null

log "building $image"
docker build -t "$image" "$repo"
kind load docker-image "$image" --name "$cluster"

log "installing the chart into $namespace"
helm upgrade --install lvs "$repo/charts/lvs-operator" \
  --namespace "$namespace" --create-namespace \
  --set image.repository="${image%:*}" --set image.tag="${image##*:}" --set image.pullPolicy=Never \
  --wait --timeout "$timeout"

kubectl wait --for=condition=Established --timeout=60s \
  crd/vrrpgroups.lvs.io crd/virtualservers.lvs.io crd/realservers.lvs.io

log "applying the examples, one namespace each"
for dir in "$repo"/examples/*/; do
  name=$(basename "$dir")
  kubectl create namespace "ex-$name" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl apply -n "ex-$name" -f "$dir"
done

log "waiting for the controller to report on every object"
deadline=$((SECONDS + 120))
until [ "$(kubectl get vrrp,vs -A -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Conflict")].status}{"\n"}{end}' |
  grep -c -v '^$')" -eq "$(kubectl get vrrp,vs -A --no-headers | wc -l)" ]; do
  [ "$SECONDS" -lt "$deadline" ] || die "objects without a Conflict condition after 120 s"
  sleep 2
done
if kubectl get vrrp,vs -A -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Conflict")].status}{"\n"}{end}' |
  grep -qx True; then
  die "an example reports a conflict"
fi

kubectl get vrrp,vs,rs -A -o wide

log "helm test: a director answers lvsctl status"
helm test lvs --namespace "$namespace" --timeout "$timeout" --logs
kubectl -n "$namespace" exec ds/lvs-lvs-operator-director -- lvsctl status
log "ok"
