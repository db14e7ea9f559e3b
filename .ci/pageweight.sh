#!/usr/bin/env bash
# Page weight: gzipped bytes of each page's HTML plus the stylesheets and
# scripts it loads (not the search index, which loads on first query).
# Usage: .ci/pageweight.sh SITE_DIR [URL_PATH...]   (default: home, a charter, a runbook)
set -euo pipefail
site=${1:?usage: pageweight.sh SITE_DIR [URL_PATH...]}
shift
pages=("$@")
[ ${#pages[@]} -gt 0 ] || pages=(/ /teams/sre/ /runbooks/disk-filling-up/)
gz() { gzip -9 -c "$1" | wc -c; }
printf '%-32s %8s %8s %8s\n' page html assets total
for p in "${pages[@]}"; do
  f="$site${p%/}/index.html"
  h=$(gz "$f")
  a=0
  for asset in $(grep -oE '(href|src)="/assets/[^"]+\.(css|js)"' "$f" | sed -E 's/.*"(\/assets\/[^"]+)"/\1/' | sort -u); do
    a=$((a + $(gz "$site$asset")))
  done
  printf '%-32s %8d %8d %8d\n' "$p" "$h" "$a" "$((h + a))"
done
