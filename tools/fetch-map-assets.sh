#!/usr/bin/env bash
# Local copies of the files folium loads from CDNs, from the npm registry,
# so browser tests and benchmarks run offline. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=tests/.assets
mkdir -p "$dest"
if [ -f "$dest/.done" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent leaflet@1.9.3 leaflet.markercluster@1.1.0 jquery@3.7.1 \
    bootstrap@5.2.2 @fortawesome/fontawesome-free@6.2.0 leaflet.awesome-markers@2.0.5 >/dev/null )
for t in "$tmp"/*.tgz; do
  name=$(basename "$t" .tgz)
  mkdir -p "$dest/$name"
  tar -xzf "$t" -C "$dest/$name" --strip-components=1
done
touch "$dest/.done"
