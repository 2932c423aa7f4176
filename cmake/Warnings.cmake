# Warning flags for the project's own targets (not applied to third-party headers, which are SYSTEM).
add_library(meshd_warnings INTERFACE)
target_compile_options(meshd_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
                       -Wimplicit-fallthrough)
if(MESHD_WERROR)
  target_compile_options(meshd_warnings INTERFACE -Werror)
endif()
# g++ 12 at -O3 (Release) reports memcpy/memmove bounds inside libstdc++'s std::string and
# std::copy that cannot happen (GCC bugs 105329, 105651 and relatives): they stay warnings there,
# the build does not fail on them. -O2 (the default RelWithDebInfo, CI) does not report them.
if(MESHD_WERROR AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(meshd_warnings INTERFACE
      $<$<CONFIG:Release>:-Wno-error=restrict -Wno-error=array-bounds -Wno-error=stringop-overread
                          -Wno-error=stringop-overflow>)
endif()
