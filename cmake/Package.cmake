# The Debian packages: `make deb`, or `cpack -G DEB` in a build directory.
# tdxh holds what cmake/Install.cmake lists, under /usr; tdxh-agent (the
# install component "agent") holds what an image needs to be tested by
# tdxh: the agent, its systemd unit and udev rule, and its initramfs-tools
# hook (docs/agent.md), so that an image installs it without the harness
# and its dependencies. Depends comes from
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
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL tdxh)
set(CPACK_DEBIAN_TDXH_PACKAGE_NAME tdxh)
set(CPACK_DEBIAN_TDXH_PACKAGE_RECOMMENDS "qemu-system-x86, ovmf, swtpm, swtpm-tools")
set(CPACK_DEBIAN_TDXH_PACKAGE_SUGGESTS "bash-completion, tdxh-agent")
if(TDXH_AGENT)
  list(APPEND CPACK_COMPONENTS_ALL agent)
  set(CPACK_DEBIAN_AGENT_PACKAGE_NAME tdxh-agent)
  set(CPACK_DEBIAN_AGENT_PACKAGE_SECTION admin)
  set(CPACK_DEBIAN_AGENT_PACKAGE_SUGGESTS "initramfs-tools")
  set(CPACK_COMPONENT_AGENT_DESCRIPTION "in-guest agent of the tdxh TDX test harness
 tdxh-agent runs inside a TD (or the guest of tdxh's fake platform) and
 answers the harness on the virtio-serial port org.tdxh.agent.0: registers,
 event log, RTMR extends, quotes, sealing. udev starts its service when the
 port appears; an initramfs-tools hook can run it before the root is mounted.")
endif()
set(CPACK_COMPONENT_TDXH_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}
 ${CPACK_PACKAGE_DESCRIPTION}")
# Only what cmake --install installs; the build tree's tests and benchmarks
# are not part of it.
set(CPACK_GENERATOR DEB)
include(CPack)
