# Fails if any program run by the tests wrote a sanitizer report (log_path in ASAN_OPTIONS,
# UBSAN_OPTIONS, TSAN_OPTIONS): detached deliverers and non-blocking hooks would otherwise
# hide them.
# Usage: cmake -DDIR=<report dir> -P check_reports.cmake
file(GLOB reports "${DIR}/*")
if(NOT reports)
  message(STATUS "no sanitizer reports in ${DIR}")
  return()
endif()
foreach(r IN LISTS reports)
  file(READ "${r}" text)
  message("==== ${r}\n${text}")
endforeach()
list(LENGTH reports n)
message(FATAL_ERROR "${n} sanitizer report file(s) in ${DIR}")
