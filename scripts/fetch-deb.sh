#!/bin/sh
# Downloads one pinned Debian package into a cache and unpacks it, so that
# images and tests use exactly the same bytes on every machine.
# Usage: fetch-deb.sh PACKAGE VERSION CACHE_DIR
# Prints the directory the package was unpacked into. Fails (exit 2) with one
# line when the pinned version is not available from the configured archive.
set -eu
pkg=$1
ver=$2
cache=$3
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
dest="$cache/${pkg}_$(printf '%s' "$ver" | tr ':' '%')"
if [ -f "$dest/.unpacked" ]; then
        echo "$dest"
        exit 0
fi
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get download -q "$pkg=$ver" >/dev/null 2>"$tmp/err"); then
        if (apt-get update -qq >/dev/null 2>&1 || true) &&
                (cd "$tmp" && apt-get download -q "$pkg=$ver" >/dev/null 2>"$tmp/err"); then
                :
        else
                echo "fetch-deb: $pkg=$ver is not available from the Debian archive: $(tail -n1 "$tmp/err")" >&2
                exit 2
        fi
fi
deb=$(ls "$tmp"/*.deb)
mkdir -p "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root"
cp "$deb" "$tmp/root/.deb"
sha256sum "$deb" | cut -d' ' -f1 > "$tmp/root/.sha256"
touch "$tmp/root/.unpacked"
rm -rf "$dest"
mv "$tmp/root" "$dest"
echo "$dest"
