#!/usr/bin/env bash
# The Debian packages the project needs beyond Python, installed when missing.
#   scripts/system-packages.sh run    what `make run` needs: Node.js and npm (the chat page's
#                                     socket.io-client comes from npm)
#   scripts/system-packages.sh test   also what `make test` needs: chromium and a Chinese font
#                                     (fonts-wqy-microhei) for the browser tests,
#                                     postgresql (storage tests), nginx and redis-server
#                                     (cluster tests)
# As root (or with passwordless sudo) it runs apt-get install; otherwise it prints the one
# command to run and fails. Idempotent: nothing is done when everything is there.
set -euo pipefail

missing=()
command -v npm >/dev/null || missing+=(nodejs npm)
if [ "${1:-run}" = "test" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # A font with Chinese characters, so the Chinese pages' screenshots show text, not boxes.
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
  [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v redis-server >/dev/null || missing+=(redis-server)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

command="apt-get install -y ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "Missing Debian packages: ${missing[*]}. Install them with:" >&2
  echo "  sudo apt-get update && sudo $command" >&2
  exit 1
fi
command -v apt-get >/dev/null || {
  echo "Missing packages: ${missing[*]} (no apt-get here: install them with your system's" \
       "package manager)" >&2
  exit 1
}
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
