#!/usr/bin/env bash
# Lighthouse scores of the example handbook: the home page, a charter and a
# runbook, mobile and desktop, against Debian's Chromium. Not run in CI
# (about a minute per page); run it when the theme changes and quote it.
# Usage: .ci/lighthouse.sh [URL_PATH...]
set -euo pipefail
cd "$(dirname "$0")/.."
pages=("$@")
[ ${#pages[@]} -gt 0 ] || pages=(/ /teams/sre/ /runbooks/disk-filling-up/)
tools="${COMPASS_LIGHTHOUSE_DIR:-${TMPDIR:-/tmp}/compass-lighthouse}"
lh="$tools/node_modules/.bin/lighthouse"
[ -x "$lh" ] || npm install --prefix "$tools" --no-audit --no-fund --silent lighthouse@13.5.0
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
go run ./cmd/compass build --out "$work/public" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/public" "$port" >/dev/null 2>&1 &
server=$!
sleep 1
printf '%-30s %-8s %5s %5s %5s %5s\n' page form perf a11y bp seo
for p in "${pages[@]}"; do
  for form in mobile desktop; do
    preset=()
    [ "$form" = desktop ] && preset=(--preset=desktop)
    CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium} "$lh" "http://127.0.0.1:$port$p" "${preset[@]}" \
      --chrome-flags="--headless=new --no-sandbox" --quiet \
      --only-categories=performance,accessibility,best-practices,seo \
      --output=json --output-path="$work/r.json"
    node -e '
      const c = require(process.argv[1]).categories, s = id => Math.round(c[id].score * 100);
      console.log(process.argv[2].padEnd(30), process.argv[3].padEnd(8),
        ...["performance", "accessibility", "best-practices", "seo"].map(id => String(s(id)).padStart(5)));
    ' "$work/r.json" "$p" "$form"
  done
done
