# What `cmake --install` puts where (GNUInstallDirs), beside the programs'
# own rules: tdxh (harness/CMakeLists.txt, BINDIR), tdxh-agent
# (harness/agent/, SBINDIR) and the fake quote service when the tree has it
# (fakes/CMakeLists.txt installs tdxh-fake-qgs into LIBEXECDIR/tdxh).
#
#   MANDIR/man1/            tdxh(1) and tdxh-COMMAND(1), from man/
#   DATADIR/bash-completion/completions/tdxh
#   DATADIR/tdxh/           the data directory (core/datadir.h), laid out as
#                           the source tree: scenarios/*.yaml (and the files
#                           they read, scenarios/files/), and the reference
#                           image's golden file for each platform profile,
#                           images/minimal/golden/PROFILE.json
#   DOCDIR/                 README.md and docs/*.md

file(GLOB TDXH_MAN_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.1)
install(FILES ${TDXH_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES ${PROJECT_SOURCE_DIR}/completions/tdxh.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME tdxh)

# The scenario library is whatever scenarios/ holds when configured.
file(GLOB TDXH_SCENARIOS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/*.yaml)
install(FILES ${TDXH_SCENARIOS} DESTINATION ${CMAKE_INSTALL_DATADIR}/tdxh/scenarios)
if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/files)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/files
          DESTINATION ${CMAKE_INSTALL_DATADIR}/tdxh/scenarios)
endif()
file(GLOB TDXH_PROFILE_GOLDEN CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/images/minimal/golden/*.json)
install(FILES ${TDXH_PROFILE_GOLDEN} DESTINATION ${CMAKE_INSTALL_DATADIR}/tdxh/images/minimal/golden)

file(GLOB TDXH_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${TDXH_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})
