#!/bin/sh
# Refreshes the vendored mermaid library from the npm registry:
#
#   go generate ./themes/compass            # the version in VERSION
#   sh themes/compass/vendor/mermaid/update.sh 12.5.0   # another version
#
# It keeps dist/mermaid.min.js gzipped (-n: no name or time, so the same
# version always gives the same bytes), the package's LICENSE and the
# version. Check the diagram test afterwards:
#   COMPASS_E2E=1 go test -run TestDiagram ./build
set -eu
here=$(cd "$(dirname "$0")" && pwd)
version=${1:-$(cat "$here/VERSION")}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "mermaid@$version" >/dev/null && tar xzf "mermaid-$version.tgz")
gzip -9n <"$tmp/package/dist/mermaid.min.js" >"$here/mermaid.min.js.gz"
cp "$tmp/package/LICENSE" "$here/LICENSE"
printf '%s\n' "$version" >"$here/VERSION"
echo "vendored mermaid $version: $(wc -c <"$tmp/package/dist/mermaid.min.js") bytes, $(wc -c <"$here/mermaid.min.js.gz") gzipped"
