#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine: Node 24, the Debian packages
# the demo and the test suite use (when root), npm dependencies and the native addon.
# Safe to run again: every step checks first.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=hack/node-env.sh
source "$here/node-env.sh"
cd "$repo_root"

# prometheus: promtool and a Prometheus for the alert-rule and dashboard tests (on a machine with
# systemd its package also enables a prometheus service on :9090; `systemctl disable --now prometheus`).
debian_packages=(user-mode-linux kmod keepalived ipvsadm iptables nftables tcpdump iproute2 dnsmasq-base procps ethtool iputils-arping openssl etcd-server unzip strace curl prometheus)
missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: WARNING: missing Debian packages (${missing[*]}); not root, so tests that need them will skip" >&2
  fi
fi

stamp=node_modules/.bootstrap-stamp
lock_sum=$( (cat package-lock.json; node --version) | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "bootstrap: npm ci (node $(node --version))" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >"$stamp"
fi

if [ -f native/binding.gyp ]; then
  npm run --silent build:native >/dev/null
fi
npm run --silent build >/dev/null

# scapy (PyPI, pinned) crafts the hostile VRRP packets of test/netns/hostile: a tool nobody here
# wrote judges our receive checks. Root only (the tests that use it need root), and only when
# python3 exists. PIP_CERT, when set, names the CA bundle of the machine's proxy.
scapy_version=2.6.1
scapy_venv=.cache/scapy-venv
if [ "$(id -u)" -eq 0 ] && command -v python3 >/dev/null; then
  if ! "$scapy_venv/bin/python" -c "import scapy, sys; sys.exit(scapy.VERSION != '$scapy_version')" 2>/dev/null; then
    echo "bootstrap: scapy $scapy_version in $scapy_venv" >&2
    python3 -m venv "$scapy_venv"
    "$scapy_venv/bin/pip" install --quiet --disable-pip-version-check ${PIP_CERT:+--cert "$PIP_CERT"} "scapy==$scapy_version"
  fi
fi
