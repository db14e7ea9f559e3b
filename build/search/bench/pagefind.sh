#!/usr/bin/env bash
# Compares Compass's search index with Pagefind's on the same generated
# handbook: index build time, total index bytes, file count, bytes a browser
# fetches for a cold first query and for a second query, and browser query
# time (headless Chromium).
#
#   build/search/bench/pagefind.sh [pages] [folders]   (run from the repository root)
#
# pages: default 10000. folders: 0 (default) for the nested corpus of small
# folders, else that many flat folders (16: the flat corpus of issue 17).
#
# Needs: go, node/npm (Pagefind is installed into a temp folder with
# npm install --prefix, never committed), /usr/bin/chromium.
set -euo pipefail

pages=${1:-10000}
folders=${2:-0}
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/compass-pagefind.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$root"

echo "generating $pages pages ..."
go build -o "$work/compass" ./cmd/compass
go run ./build/bench/gencorpus -n "$pages" -folders "$folders" -layout compass -out "$work/site"
"$work/compass" build --source "$work/site" --out "$work/public" >/dev/null

echo "installing pagefind into $work/npm ..."
npm install --silent --no-audit --no-fund --prefix "$work/npm" pagefind >/dev/null
pagefind_bin="$work/npm/node_modules/.bin/pagefind"

# Our index build time: search.Write over the same documents, from the Go
# benchmark (it loads the same generated corpus).
echo "timing search.Write ..."
ours_build=$(COMPASS_BENCH_PAGES=$pages go test ./build/search -run '^$' -bench '^BenchmarkWrite$' -benchtime 3x | awk '/BenchmarkWrite/ {print $3/1e9}')

echo "running pagefind ..."
start=$(date +%s.%N)
"$pagefind_bin" --site "$work/public" >"$work/pagefind.log" 2>&1 || { cat "$work/pagefind.log" >&2; exit 1; }
end=$(date +%s.%N)
pf_build=$(echo "$end - $start" | bc)

size() { find "$1" -type f -printf '%s\n' | awk '{s+=$1} END {print s}'; }
count() { find "$1" -type f | wc -l; }

search_js=$(grep -o 'src="[^"]*search[^"]*\.js"' "$work/public/index.html" | head -1 | sed 's/src="//; s/"$//')
js_gz=$(gzip -9c "$work/public/${search_js#/}" | wc -c)

printf '\n%-10s %14s %14s %8s\n' engine "index build s" "index bytes" files
printf '%-10s %14.2f %14d %8d\n' compass "$ours_build" "$(size "$work/public/search")" "$(count "$work/public/search")"
printf '%-10s %14.2f %14d %8d\n' pagefind "$pf_build" "$(size "$work/public/pagefind")" "$(count "$work/public/pagefind")"
echo "search.js: $js_gz bytes gzipped (loaded with every page, not counted below; Pagefind's JS and wasm are counted)"
echo
go run ./build/search/bench/measure -site "$work/public" -searchjs "$search_js" -timeout 30m -json "$work/measure.json"
