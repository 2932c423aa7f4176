# Lab tests: commands that run as root inside the User-mode Linux guest (tests/lab/uml-run), a
# real kernel with ESP, for hosts whose kernel has none. See tests/lab/README.md.
#
# meshd_add_lab_test(NAME COMMAND cmd [args...]
#                    [TIMEOUT seconds]        guest timeout, boot included (default 240)
#                    [LABELS extra labels]    "lab" is always set
#                    [ENV VAR=VALUE...]       environment of the command inside the guest
#                    [WRITABLE dirs...]       more host directories mounted read-write
#                    [FIXTURES names...])     FIXTURES_REQUIRED (e.g. lab_pki)
# The command runs with the build tree writable and a scratch directory in $LAB_SCRATCH; it may
# use generator expressions ($<TARGET_FILE:my_test>). Exit status 77 (not root) is a skip.
set(MESHD_LAB_RUN "${PROJECT_SOURCE_DIR}/tests/lab/uml-run" CACHE INTERNAL "")
set(MESHD_LAB_PKI "${PROJECT_BINARY_DIR}/tests/lab/pki" CACHE INTERNAL "")

function(meshd_add_lab_test name)
  # Sanitizer builds never go into the guest (its boot and ESP timings are tuned for the normal build).
  if(MESHD_FUZZ)
    return()
  endif()
  cmake_parse_arguments(L "" "TIMEOUT" "COMMAND;LABELS;ENV;WRITABLE;FIXTURES" ${ARGN})
  if(NOT L_COMMAND)
    message(FATAL_ERROR "meshd_add_lab_test(${name}): COMMAND is required")
  endif()
  if(NOT L_TIMEOUT)
    set(L_TIMEOUT 240)
  endif()
  set(args -t ${L_TIMEOUT} -w "${PROJECT_BINARY_DIR}")
  foreach(dir IN LISTS L_WRITABLE)
    list(APPEND args -w "${dir}")
  endforeach()
  foreach(kv IN LISTS L_ENV)
    list(APPEND args -e "${kv}")
  endforeach()
  add_test(NAME ${name} COMMAND "${MESHD_LAB_RUN}" ${args} -- ${L_COMMAND})
  math(EXPR ctest_timeout "${L_TIMEOUT} + 30")
  set_tests_properties(${name} PROPERTIES
      LABELS "lab;${L_LABELS}" TIMEOUT ${ctest_timeout} SKIP_RETURN_CODE 77)
  if(L_FIXTURES)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${L_FIXTURES}")
  endif()
endfunction()
