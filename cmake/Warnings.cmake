# A curated warning list. Every build type with gcc and clang is kept free of
# them; -Werror only where asked (TDXH_WERROR: make test, .ci/run), so that a
# newer compiler's new warning does not stop a user's build.
set(TDXH_WARNINGS
  -Wall -Wextra -Wshadow -Wformat=2 -Wwrite-strings -Wstrict-prototypes
  -Wmissing-prototypes -Wvla -Wimplicit-fallthrough -Wpointer-arith -Wundef
  -Wcast-align -Wnull-dereference -Wdouble-promotion -Wno-unused-parameter)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  list(APPEND TDXH_WARNINGS -Wlogical-op -Wduplicated-cond -Wjump-misses-init)
endif()
if(TDXH_WERROR)
  list(APPEND TDXH_WARNINGS -Werror)
endif()
add_compile_options(${TDXH_WARNINGS})
add_compile_definitions(_GNU_SOURCE _FILE_OFFSET_BITS=64)
