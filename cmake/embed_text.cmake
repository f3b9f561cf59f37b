# Write a text file into a C source as one string constant.
# Usage: cmake -DINPUT=file -DOUTPUT=file.c -DSYMBOL=name -P embed_text.cmake
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}"
    "/* Generated from ${INPUT}; do not edit. */\n"
    "#include <stddef.h>\n"
    "extern const char ${SYMBOL}[];\n"
    "extern const size_t ${SYMBOL}_len;\n"
    "const char ${SYMBOL}[] = {${bytes} 0x00};\n"
    "const size_t ${SYMBOL}_len = sizeof(${SYMBOL}) - 1;\n")
