# OUTPUT_CHECK for run_case.cmake: OUTPUT_FILE is a PNG of 64x48 pixels, 8-bit RGB
# (signature, then the IHDR chunk: width, height, bit depth 8, colour type 2).
file(READ ${OUTPUT_FILE} head LIMIT 26 HEX)
set(want "89504e470d0a1a0a0000000d4948445200000040000000300802")
if(NOT head STREQUAL want)
  string(APPEND failed "${OUTPUT_FILE}: expected a 64x48 8-bit RGB PNG header ${want}, got ${head}\n")
endif()
