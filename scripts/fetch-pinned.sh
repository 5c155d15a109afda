#!/bin/sh
# Fetches every package of a lock file (lines "NAME VERSION SHA256", '#'
# comments) with scripts/fetch-deb.sh and checks each .deb against its pin.
# Prints "NAME VERSION SHA256 DIR" per package, DIR being where it was
# unpacked. Used by the image recipes (images/*/build.sh).
# Usage: fetch-pinned.sh LOCK_FILE CACHE_DIR
# Exit status: 0, or 2 when a package is unavailable or not its pinned bytes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lock=$1
cache=$2
grep -v '^#' "$lock" | while read -r name version sha; do
        [ -n "$name" ] || continue
        dir=$("$here/fetch-deb.sh" "$name" "$version" "$cache/debs") || exit 2
        got=$(cat "$dir/.sha256")
        if [ "$got" != "$sha" ]; then
                echo "fetch-pinned: $name=$version has sha256 $got, pinned $sha" >&2
                exit 2
        fi
        echo "$name $version $sha $dir"
done
