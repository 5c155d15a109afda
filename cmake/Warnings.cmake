# A curated warning list; every warning is an error.
set(TDXH_WARNINGS
  -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wwrite-strings -Wstrict-prototypes
  -Wmissing-prototypes -Wvla -Wimplicit-fallthrough -Wpointer-arith -Wundef
  -Wcast-align -Wnull-dereference -Wdouble-promotion -Wno-unused-parameter)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  list(APPEND TDXH_WARNINGS -Wlogical-op -Wduplicated-cond -Wjump-misses-init)
endif()
add_compile_options(${TDXH_WARNINGS})
add_compile_definitions(_GNU_SOURCE _FILE_OFFSET_BITS=64)
