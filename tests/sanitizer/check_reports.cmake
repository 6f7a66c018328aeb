# Fails if any program run by the tests under ThreadSanitizer wrote a report (log_path in
# TSAN_OPTIONS): detached deliverers and non-blocking hooks would otherwise hide them.
# Usage: cmake -DDIR=<report dir> -P check_reports.cmake
file(GLOB reports "${DIR}/report*")
if(NOT reports)
  message(STATUS "no ThreadSanitizer reports in ${DIR}")
  return()
endif()
foreach(r IN LISTS reports)
  file(READ "${r}" text)
  message("==== ${r}\n${text}")
endforeach()
list(LENGTH reports n)
message(FATAL_ERROR "${n} ThreadSanitizer report file(s) in ${DIR}")
