#!/bin/sh
# Refreshes a vendored library from the npm registry:
#
#   go generate ./themes/compass                          # every library, versions in */VERSION
#   sh themes/compass/vendor/update.sh mermaid 12.5.0     # one library, another version
#
# It keeps the package's minified browser build gzipped (-n: no name or
# time, so a version always gives the same bytes), its LICENSE and the
# version. Check the browser tests afterwards:
#   COMPASS_E2E=1 go test -run 'TestDiagram|TestMath' ./build
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	for lib in mermaid katex; do sh "$0" "$lib"; done
	exit 0
fi
lib=$1
case $lib in
mermaid) file=dist/mermaid.min.js ;;
katex) file=dist/katex.min.js ;;
*) echo "update.sh: unknown library $lib" >&2; exit 2 ;;
esac
dir=$here/$lib
version=${2:-$(cat "$dir/VERSION")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$lib@$version" >/dev/null && tar xzf "$lib-$version.tgz")
mkdir -p "$dir"
gzip -9n <"$tmp/package/$file" >"$dir/$lib.min.js.gz"
cp "$tmp/package/LICENSE" "$dir/LICENSE"
printf '%s\n' "$version" >"$dir/VERSION"
echo "vendored $lib $version: $(wc -c <"$tmp/package/$file") bytes, $(wc -c <"$dir/$lib.min.js.gz") gzipped"
