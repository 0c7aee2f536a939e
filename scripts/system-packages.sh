#!/usr/bin/env bash
# Installs the Debian packages DealDesk needs, only when they are missing.
#   demo: pango (PDF rendering), fonts with German glyphs, Redis (throttling counters)
#   test: the same plus Chromium for the browser tests
set -euo pipefail
need=()
ldconfig -p | grep -q 'libpango-1.0.so' || need+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so' || need+=(libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ "${1:-demo}" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
