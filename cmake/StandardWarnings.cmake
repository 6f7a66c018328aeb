# The warnings every target builds with, as ccache does it: a long list, errors in a
# developer's or CI's build (BBSOT_WERROR, on by default in a git checkout), never in an
# end user's install (install.sh turns it off unless it runs the tests), so a newer
# compiler's new warning cannot stop someone installing bbsot. -Wsign-conversion and
# -Wnull-dereference are left out: the first flags every `for (unsigned char c : s)`, the
# second has false positives inside libstdc++'s std::string with GCC 12. -Wrestrict is
# off for GCC 12 only: it reports "literal" + std::string(...) as an overlapping memcpy
# (GCC bug 105329).
set(BBSOT_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-qual -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND BBSOT_WARNINGS -Wno-restrict)
endif()
# Clang's -Wconversion includes -Wsign-conversion (GCC's does not); the fuzz and
# clang-tidy builds use clang, so it is switched off there to keep the list above.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND BBSOT_WARNINGS -Wno-sign-conversion)
endif()
if(EXISTS "${CMAKE_SOURCE_DIR}/.git")
  set(_werror_default ON)
else()
  set(_werror_default OFF)
endif()
option(BBSOT_WERROR "Treat warnings as errors (developer and CI builds)" ${_werror_default})
add_compile_options(${BBSOT_WARNINGS})
if(BBSOT_WERROR)
  add_compile_options(-Werror)
endif()
