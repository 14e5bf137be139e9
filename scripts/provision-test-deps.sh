#!/usr/bin/env bash
# `npm test` runs this first (pretest): the suite needs redis-server (it starts its own on a free
# port, unless REDIS_URL names one) and Debian's /usr/bin/chromium (the dashboard tests drive it).
# promtool (Debian's prometheus package) is optional: with it the suite also runs
# `promtool check rules|metrics`; without it, it checks the same files' structure only.
# Installs what is missing when it can (root, or passwordless sudo: non-interactive), else says in
# one line which command to run and exits 1.
set -euo pipefail

needed=()
[ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null || needed+=(redis-server)
[ -x /usr/bin/chromium ] || needed+=(chromium)
optional=()
command -v promtool >/dev/null || optional+=(prometheus)

[ ${#needed[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
elif [ ${#needed[@]} -gt 0 ]; then
  echo "npm test needs ${needed[*]}: run \`sudo apt-get install -y ${needed[*]}\` once, then npm test again" >&2
  exit 1
else
  exit 0 # only promtool is missing: its checks fall back to structure checks
fi

if ! command -v apt-get >/dev/null; then
  [ ${#needed[@]} -eq 0 ] && exit 0
  echo "npm test needs ${needed[*]} and this machine has no apt-get: install them with its package manager (chromium at /usr/bin/chromium)" >&2
  exit 1
fi

apt_install() {
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

echo "provisioning test dependencies: ${needed[*]} ${optional[*]}" >&2
if ! "${as_root[@]}" apt-get update -qq >/dev/null; then
  [ ${#needed[@]} -eq 0 ] && exit 0
  echo "npm test needs ${needed[*]}: \`apt-get update\` failed (offline?); install them with \`apt-get install -y ${needed[*]}\`" >&2
  exit 1
fi
if [ ${#needed[@]} -gt 0 ] && ! apt_install "${needed[@]}"; then
  echo "npm test needs ${needed[*]}: \`apt-get install -y ${needed[*]}\` failed; run it by hand to see why" >&2
  exit 1
fi
if [ ${#optional[@]} -gt 0 ] && ! apt_install "${optional[@]}"; then
  echo "prometheus (promtool) is not installable here: the suite checks the alert rules and metrics by structure only" >&2
fi
