# The Debian package: `make deb`, or `cpack -G DEB` in a build directory.
# It holds what cmake/Install.cmake lists, under /usr. Depends comes from
# dpkg-shlibdeps over the programs (libssl3, libjson-c5, libyaml, libxml2, libvirt0, the TSS2
# libraries of the agent, libc); what `tdxh boot` and `tdxh run` start is
# recommended, not required, as inspect, verify, diff, explain and golden
# need none of it. Needs dpkg-dev (dpkg-shlibdeps) and file.
set(CPACK_PACKAGE_NAME tdxh)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "integration test harness for Intel TDX guests")
set(CPACK_PACKAGE_DESCRIPTION "tdxh boots reproducible TD images under QEMU (or a fake \
platform of QEMU, OVMF and swtpm), compares the measured MRTD and RTMRs with golden files \
event by event and explains mismatches; it inspects and verifies TDX quotes, TD reports \
and event logs.")
set(CPACK_PACKAGE_CONTACT "tdxh developers <tdxh@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qemu-system-x86, ovmf, swtpm, swtpm-tools")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
# Only what cmake --install installs; the build tree's tests and benchmarks
# are not part of it.
set(CPACK_GENERATOR DEB)
include(CPack)
