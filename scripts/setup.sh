#!/usr/bin/env bash
# Installs what the build and the tests need, from the package registries only.
# Idempotent: each step is skipped when what it installs is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

cargo_install() { # crate version binary
  if [ "$("$3" --version 2>/dev/null | awk '{print $2}')" != "$2" ]; then
    # --locked first; a yanked pin in the tool's own lockfile falls back to a fresh resolution.
    cargo install "$1" --version "$2" --locked || cargo install "$1" --version "$2" --force
  fi
}
cargo_install wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen
cargo_install wasm-pack "$WASM_PACK_VERSION" wasm-pack

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# Deno and Bun (tests/runtimes/): their binaries ship inside these pinned devDependencies, so no
# install script is needed; make sure each is there and executable.
for runtime in node_modules/@deno/linux-x64-glibc/deno node_modules/@oven/bun-linux-x64/bin/bun; do
  if [ ! -f "$runtime" ]; then
    echo "setup: $runtime is missing (npm ci installs it)" >&2
    exit 1
  fi
  [ -x "$runtime" ] || chmod +x "$runtime"
done

# Debian's packages: Chromium and ChromeDriver (browser tests), redis-server (fleet tests).
APT_PACKAGES=()
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  APT_PACKAGES+=(chromium chromium-driver)
fi
if ! command -v redis-server >/dev/null 2>&1; then
  APT_PACKAGES+=(redis-server)
fi
if [ ${#APT_PACKAGES[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${APT_PACKAGES[@]}"
fi
