# Compiles every public header on its own (twice in one translation unit, to test the include
# guard), so each header includes what it uses.
file(GLOB_RECURSE headers RELATIVE ${SOURCE_DIR}/include ${SOURCE_DIR}/include/banditry/*.hpp)
set(failed)
foreach(header ${headers})
  if(header MATCHES "/detail/" OR header MATCHES "/gpu/")
    continue()
  endif()
  string(MAKE_C_IDENTIFIER ${header} stem)
  set(tu ${BINARY_DIR}/include_check/${stem}.cpp)
  file(WRITE ${tu} "#include <${header}>\n#include <${header}>\nint main() { return 0; }\n")
  execute_process(
    COMMAND ${COMPILER} -std=c++20 -fsyntax-only -Wall -Wextra -I${SOURCE_DIR}/include
            -I${EIGEN_DIR} ${tu}
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    list(APPEND failed "${header}:\n${out}")
  endif()
endforeach()
if(failed)
  list(JOIN failed "\n" text)
  message(FATAL_ERROR "headers that do not compile on their own:\n${text}")
endif()
