#!/usr/bin/env bash
# Builds static compass binaries (CGO_ENABLED=0: the SQLite store is pure
# Go) with SHA-256 checksums into dist/. Usage:
#   scripts/release.sh v1.2.3                      # every platform
#   scripts/release.sh v1.2.3 linux/arm64 windows/amd64
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:?usage: scripts/release.sh VERSION [GOOS/GOARCH ...]}"
shift
platforms=("$@")
[ "${#platforms[@]}" -gt 0 ] || platforms=(linux/amd64 linux/arm64 darwin/arm64 windows/amd64)

out=dist
rm -rf "$out"
mkdir -p "$out"
for p in "${platforms[@]}"; do
  goos="${p%/*}" goarch="${p#*/}"
  name="compass_${version}_${goos}_${goarch}"
  ext=""
  [ "$goos" = windows ] && ext=.exe
  CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" go build -trimpath -buildvcs=true \
    -ldflags "-s -w -X main.version=${version}" -o "$out/$name$ext" ./cmd/compass
  echo "built $out/$name$ext"
done
(cd "$out" && sha256sum -- * > SHA256SUMS)
cat "$out/SHA256SUMS"
