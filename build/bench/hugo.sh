#!/usr/bin/env bash
# Builds the same generated handbook with Hugo and with compass, side by side,
# and prints wall time, peak memory (max RSS) and the ratios.
#
#   build/bench/hugo.sh [pages] [folders]   (default 10000 pages, nested folders;
#                                            folders > 0: that many flat folders)
#
# Needs: go, hugo (Debian package), GNU time (/usr/bin/time).
set -euo pipefail

pages=${1:-10000}
folders=${2:-0}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/compass-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

command -v hugo >/dev/null || { echo "hugo.sh: hugo is not installed (apt-get install hugo)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "hugo.sh: GNU time is not installed (apt-get install time)" >&2; exit 2; }

echo "generating $pages pages ..."
(cd "$root" && go build -o "$work/compass" ./cmd/compass && go run ./build/bench/gencorpus -n "$pages" -folders "$folders" -layout compass -out "$work/compass-site" \
  && go run ./build/bench/gencorpus -n "$pages" -folders "$folders" -layout hugo -out "$work/hugo-site")

# measure NAME DIR CMD...: runs CMD in DIR under GNU time, prints
# "NAME wall_s rss_kb cpu_s" (cpu = user + system, steadier than wall time on
# a shared machine).
measure() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && /usr/bin/time -f "%e %M %U %S" -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1) || {
    echo "$name failed:" >&2
    cat "$work/$name.log" >&2
    exit 1
  }
  read -r wall rss user sys <"$work/$name.time"
  echo "$name $wall $rss $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
}

# One warm-up run each so both read the corpus from the page cache.
(cd "$work/hugo-site" && hugo --quiet -d "$work/hugo-warm" >/dev/null 2>&1) || true
"$work/compass" build --source "$work/compass-site" --out "$work/compass-warm" >/dev/null

read -r _ hwall hrss hcpu < <(measure hugo "$work/hugo-site" hugo --quiet -d "$work/hugo-out")
read -r _ cwall crss ccpu < <(measure compass "$work/compass-site" "$work/compass" build --out "$work/compass-out")

hfiles=$(find "$work/hugo-out" -name '*.html' | wc -l)
cfiles=$(find "$work/compass-out" -name '*.html' | wc -l)
printf '%-8s %8s %8s %12s %10s\n' tool wall_s cpu_s peak_rss_mb html_files
printf '%-8s %8s %8s %12d %10d\n' hugo "$hwall" "$hcpu" $((hrss / 1024)) "$hfiles"
printf '%-8s %8s %8s %12d %10d\n' compass "$cwall" "$ccpu" $((crss / 1024)) "$cfiles"
awk -v hw="$hwall" -v cw="$cwall" -v hc="$hcpu" -v cc="$ccpu" -v hr="$hrss" -v cr="$crss" 'BEGIN {
  printf "compass/hugo: wall %.2fx, cpu %.2fx, peak memory %.2fx (below 1 means compass is faster / smaller)\n", cw / hw, cc / hc, cr / hr
}'
