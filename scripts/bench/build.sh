#!/usr/bin/env bash
# Builds the same generated handbook with compass and with Hugo (plus
# Pagefind over Hugo's output, for search), runs alternating, and prints
# wall time, CPU time, peak memory and output bytes with their ratios:
# medians and min–max over the runs, and the machine's load.
#
#   scripts/bench/build.sh [-s flat|nested] [-r runs] [pages ...]
#
#   -s flat    folders of at most 3,000 pages, ceil(pages/3000) of them (default)
#   -s nested  10 areas × 10 topics, the pages spread evenly (small folders)
#   -r runs    builds per tool and size (default 3)
#   pages      corpus sizes (default 1000 10000 30000)
#
# Environment: HUGO (default: hugo on PATH; the figures in the docs use
# Hugo 0.165.0: GOBIN=/tmp/hugobin go install github.com/gohugoio/hugo@v0.165.0),
# COMPASS_BENCH_DIR (default $TMPDIR/compass-bench: generated corpora are
# kept there between runs; the outputs are removed), PAGEFIND=0 to skip
# Pagefind.
#
# Every build is timed together with a `sync`, so the write-back of its
# output is charged to it. Each build writes into a new folder, and earlier
# outputs are moved aside and deleted only when the script ends: ext4 scans
# past recently deleted inodes when it allocates new ones, which made
# whichever build ran right after an `rm -rf` of 10,000 files pay for it
# (40% of compass's CPU at 1,000 pages, in the kernel's recently_deleted).
#
# Needs go, GNU time (/usr/bin/time), npm for Pagefind. Not run by CI: a
# 30,000-page round takes many minutes.
set -euo pipefail

shape=flat
runs=3
while getopts 's:r:' opt; do
  case $opt in
    s) shape=$OPTARG ;;
    r) runs=$OPTARG ;;
    *) sed -n '2,18p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
sizes=("$@")
[ $# -eq 0 ] && sizes=(1000 10000 30000)
case $shape in flat | nested) ;; *) echo "build.sh: shape $shape: want flat or nested" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/../.." && pwd)
hugo=${HUGO:-$(command -v hugo || true)}
[ -n "$hugo" ] || { echo "build.sh: no hugo: set HUGO or install it (see the header)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "build.sh: GNU time is not installed (apt-get install time)" >&2; exit 2; }
cache=${COMPASS_BENCH_DIR:-${TMPDIR:-/tmp}/compass-bench}
mkdir -p "$cache"
work=$(mktemp -d "$cache/run.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/trash"
# retire DIR: moves a build's output out of the way without deleting it.
retire() { [ ! -e "$1" ] || mv "$1" "$work/trash/$(basename "$1").$RANDOM$RANDOM"; }

(cd "$root" && go build -o "$work/compass" ./cmd/compass && go build -o "$work/gencorpus" ./build/bench/gencorpus)
pagefind=""
if [ "${PAGEFIND:-1}" != 0 ]; then
  [ -x "$cache/npm/node_modules/.bin/pagefind" ] ||
    npm install --silent --no-audit --no-fund --prefix "$cache/npm" pagefind >/dev/null
  pagefind="$cache/npm/node_modules/.bin/pagefind"
fi
echo "compass $(cd "$root" && git describe --always --dirty 2>/dev/null || echo '?')"
echo "$("$hugo" version | cut -d' ' -f1-2)"
[ -n "$pagefind" ] && echo "pagefind $("$pagefind" --version 2>/dev/null | awk '{print $NF}')"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; shape $shape; $runs runs per tool and size"

# corpus N LAYOUT: the generated site's folder, made once and kept.
corpus() {
  local dir="$cache/$shape-$1-$2"
  if [ ! -d "$dir" ]; then
    local folders=0
    [ "$shape" = flat ] && folders=$((($1 + 2999) / 3000))
    "$work/gencorpus" -n "$1" -folders "$folders" -layout "$2" -out "$dir.tmp"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

# measure OUT CMD...: runs CMD then sync under GNU time; appends
# "wall cpu rss_kb" to OUT. ru_maxrss of the shell's children is the
# largest process's peak.
measure() {
  local out=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" sh -c '"$@" >"$0.log" 2>&1 && sync' "$work/cmd" "$@" || {
    echo "build.sh: failed: $*" >&2
    cat "$work/cmd.log" >&2
    exit 1
  }
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$work/time" >>"$out"
}

bytes() { find "$@" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

# stats FILE COLUMN: "median min max" of a column.
stats() {
  sort -g -k"$2","$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    print m, v[1], v[NR]
  }'
}

printf '\n%-7s %-13s %-20s %-20s %-20s %-14s %s\n' pages tool "wall s" "cpu s" "peak RSS MiB" "output MB" "cpu ms/page"
summary=()
for n in "${sizes[@]}"; do
  csite=$(corpus "$n" compass)
  hsite=$(corpus "$n" hugo)
  pages=$(find "$csite/content" -name '*.md' | wc -l)
  rm -f "$work"/*.runs
  loads=()
  for r in $(seq 0 "$runs"); do # run 0 warms the page cache and is not counted
    loads+=("$(cut -d' ' -f1-3 /proc/loadavg)")
    retire "$work/h-out" # compass's output is retired once measured, below
    t=$work/compass.runs
    [ "$r" = 0 ] && t=/dev/null
    measure "$t" "$work/compass" build --source "$csite" --out "$work/c-out"
    cbytes=$(bytes "$work/c-out")
    retire "$work/c-out"
    t=$work/hugo.runs
    [ "$r" = 0 ] && t=/dev/null
    measure "$t" "$hugo" --quiet --source "$hsite" --destination "$work/h-out"
    hbytes=$(bytes "$work/h-out")
    if [ -n "$pagefind" ]; then
      t=$work/pagefind.runs
      [ "$r" = 0 ] && t=/dev/null
      measure "$t" "$pagefind" --site "$work/h-out"
      pbytes=$(bytes "$work/h-out")
    fi
  done
  row() { # tool file bytes
    read -r wm wl wh < <(stats "$2" 1)
    read -r cm cl ch < <(stats "$2" 2)
    read -r rm rl rh < <(stats "$2" 3)
    printf '%-7s %-13s %-20s %-20s %-20s %-14s %.2f\n' "$n" "$1" "$wm ($wl–$wh)" "$cm ($cl–$ch)" \
      "$((rm / 1024)) ($((rl / 1024))–$((rh / 1024)))" "$(awk -v b="$3" 'BEGIN {printf "%.1f", b / 1e6}')" \
      "$(awk -v c="$cm" -v p="$pages" 'BEGIN {print c * 1000 / p}')"
  }
  row compass "$work/compass.runs" "$cbytes"
  row hugo "$work/hugo.runs" "$hbytes"
  if [ -n "$pagefind" ]; then
    # Hugo then Pagefind, run by run: the pair that gives what compass gives.
    paste -d' ' "$work/hugo.runs" "$work/pagefind.runs" |
      awk '{printf "%.2f %.2f %d\n", $1 + $4, $2 + $5, ($3 > $6 ? $3 : $6)}' >"$work/hp.runs"
    row hugo+pagefind "$work/hp.runs" "$pbytes"
  fi
  # Ratios of the medians, and the range of per-run ratios (runs paired in order).
  ratio() { # file-a file-b column
    paste -d' ' "$1" "$2" | awk -v c="$3" '{print $c / $(c + 3)}' >"$work/ratio"
    read -r am _ _ < <(stats "$1" "$3")
    read -r bm _ _ < <(stats "$2" "$3")
    read -r _ lo hi < <(stats "$work/ratio" 1)
    awk -v a="$am" -v b="$bm" -v lo="$lo" -v hi="$hi" 'BEGIN {printf "%.2f× (%.2f–%.2f)", a / b, lo, hi}'
  }
  line="$n pages ($pages md files), load ${loads[1]} … ${loads[-1]}: compass/hugo wall $(ratio "$work/compass.runs" "$work/hugo.runs" 1)"
  line+=", cpu $(ratio "$work/compass.runs" "$work/hugo.runs" 2), peak RSS $(ratio "$work/compass.runs" "$work/hugo.runs" 3)"
  line+=", output $(awk -v a="$cbytes" -v b="$hbytes" 'BEGIN {printf "%.2f×", a / b}')"
  if [ -n "$pagefind" ]; then
    line+="; compass/(hugo+pagefind) wall $(ratio "$work/compass.runs" "$work/hp.runs" 1)"
    line+=", peak RSS $(ratio "$work/compass.runs" "$work/hp.runs" 3), output $(awk -v a="$cbytes" -v b="$pbytes" 'BEGIN {printf "%.2f×", a / b}')"
  fi
  summary+=("$line")
done
echo
printf '%s\n' "${summary[@]}"
echo "uptime: $(uptime)"
