# Sourced by the image recipes (images/*/build.sh) after their options are
# read: the reproducible environment (SOURCE_DATE_EPOCH, C locale, UTC,
# umask), the package cache, a work directory removed on exit, OUT made
# absolute, fail(), and the pinned packages of HERE/packages.lock fetched
# and verified, with pkgdir NAME printing where each was unpacked.
# Expects: DEFAULT_EPOCH, here, src, out, and work_name (the work directory's
# prefix under $TMPDIR).
epoch=${SOURCE_DATE_EPOCH:-$DEFAULT_EPOCH}
export SOURCE_DATE_EPOCH=$epoch
export LC_ALL=C TZ=UTC
umask 022
cache=${TDXH_CACHE:-${HOME:-/root}/.cache/tdxh}
work=$(mktemp -d "${TMPDIR:-/tmp}/$work_name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
out=$(cd "$out" && pwd)

fail() {
        echo "build.sh: $*" >&2
        exit 3
}

"$src/scripts/fetch-pinned.sh" "$here/packages.lock" "$cache" >"$work/packages"
pkgdir() {
        awk -v n="$1" '$1 == n { print $4 }' "$work/packages"
}
