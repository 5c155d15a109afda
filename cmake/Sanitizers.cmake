# ASan + UBSan, aborting on the first report so CTest sees a failure.
if(TDXH_SANITIZE)
  set(TDXH_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  add_compile_options(${TDXH_SAN_FLAGS})
  add_link_options(${TDXH_SAN_FLAGS})
endif()
