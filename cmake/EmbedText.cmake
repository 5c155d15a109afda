# Writes the bytes of IN as a C array NAME (NUL-terminated) into the header
# OUT, so that the tool carries its own assets (the HTML report's styles).
# The output depends only on the input's bytes and file name, and is
# replaced only when it changes. Run with cmake -DIN= -DOUT= -DNAME= -P.
file(READ "${IN}" hex HEX)
get_filename_component(source "${IN}" NAME)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REPEAT "0x..," 16 line)
string(REGEX REPLACE "(${line})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "/* Generated from ${source} by EmbedText.cmake: do not edit. */\n"
  "static const unsigned char ${NAME}[] = {\n${bytes}0x00\n};\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
