#!/usr/bin/env bash
# Builds psadav release archives: static binaries (CGO_ENABLED=0, pure-Go
# SQLite) for linux/amd64, linux/arm64, darwin/arm64 and windows/amd64,
# each with README.md and LICENSE, and checksums.txt (SHA-256) beside them.
#
#   deploy/release.sh v1.2.0                  # every target, into dist/
#   TARGETS=linux/amd64 deploy/release.sh     # one target (CI does this)
#
# The version defaults to `git describe`; the commit and build date are
# stamped with -ldflags, so `psadav version` names them (cmd/psadav/version.go).
# A plain script rather than goreleaser: it needs nothing but Go and the
# usual tools, and goreleaser's module is no approved release on the proxy
# this project builds from.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
commit="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
targets="${TARGETS:-linux/amd64 linux/arm64 darwin/arm64 windows/amd64}"
out="${DIST:-dist}"

rm -rf "$out"
mkdir -p "$out"
for target in $targets; do
	os="${target%/*}"
	arch="${target#*/}"
	name="psadav_${version}_${os}_${arch}"
	dir="$out/$name"
	exe=psadav
	[[ "$os" == windows ]] && exe=psadav.exe
	mkdir -p "$dir"
	echo "== $target"
	CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath \
		-ldflags "-s -w -X main.version=$version -X main.commit=$commit -X main.date=$date" \
		-o "$dir/$exe" ./cmd/psadav
	cp README.md LICENSE "$dir/"
	if [[ "$os" == windows ]]; then
		(cd "$out" && zip -qr "$name.zip" "$name")
	else
		tar -C "$out" -czf "$out/$name.tar.gz" "$name"
	fi
	rm -rf "$dir"
done
(cd "$out" && sha256sum -- *.tar.gz *.zip 2>/dev/null > checksums.txt || true)
(cd "$out" && sha256sum -c --quiet checksums.txt)
echo "== $out/"
ls -l "$out"
