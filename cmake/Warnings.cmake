# Warning flags for the project's own targets (not applied to third-party headers, which are SYSTEM).
add_library(meshd_warnings INTERFACE)
target_compile_options(meshd_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
                       -Wimplicit-fallthrough)
if(MESHD_WERROR)
  target_compile_options(meshd_warnings INTERFACE -Werror)
endif()
