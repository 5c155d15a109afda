#!/bin/sh
# What the Makefile's targets run (make -n: printed, not run): make test
# configures both of its builds with warnings as errors and a user's make
# build without; make image writes the golden files beside the image, so
# that `tdxh boot --image out/image` boots what make image built; make
# image-disk builds the disk images from that image; check-builds,
# install and deb are there; .ci/run runs make test, then make check-builds.
# Usage: test_make_targets.sh SOURCE_ROOT
set -eu
root=$1
command -v make >/dev/null 2>&1 || { echo "SKIP: no make"; exit 77; }
status=0
fail() { echo "FAIL: $*"; status=1; }
dry() { make -s -n -C "$root" "$@" 2>&1; }

out=$(dry test)
[ "$(echo "$out" | grep -c -- '-DTDXH_WERROR=ON')" -ge 2 ] ||
        { echo "$out"; fail "make test does not configure both builds with -DTDXH_WERROR=ON"; }
echo "$out" | grep -q -- '-DTDXH_WERROR=OFF' && fail "make test configures a build without -Werror"
dry build | grep -q -- '-DTDXH_WERROR=OFF' || fail "make build turns warnings into errors"

out=$(dry image IMAGE_OUT=/tmp/img BUILD=bld)
echo "$out" | grep -q '^images/minimal/build.sh --out /tmp/img$' || { echo "$out"; fail "make image does not build the image"; }
echo "$out" | grep -q '^images/minimal/golden.sh /tmp/img bld/harness/tdxh /tmp/img/golden$' ||
        { echo "$out"; fail "make image does not write IMAGE_OUT/golden"; }

out=$(dry image-disk IMAGE_OUT=/tmp/img OUT=/tmp/o BUILD=bld)
echo "$out" | grep -q '^images/disk/build.sh --image /tmp/img --out /tmp/o$' ||
        { echo "$out"; fail "make image-disk does not build the disk images from IMAGE_OUT"; }

dry check-builds | grep -q 'scripts/check-builds.sh' || fail "no make check-builds"
dry deb | grep -q 'cpack -G DEB' || fail "make deb does not run cpack -G DEB"
dry install | grep -q 'cmake --install' || fail "make install does not run cmake --install"

ci=$(grep -v '^#' "$root/.ci/run" | grep '^make ' | tr '\n' ';')
[ "$ci" = "make test;make check-builds;" ] || fail ".ci/run runs '$ci', not make test then make check-builds"
[ $status = 0 ] && echo "PASS: the targets run what they say"
exit $status
