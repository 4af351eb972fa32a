# Fails when any C++ source differs from what clang-format produces with the repository's
# .clang-format.
file(GLOB_RECURSE sources
  ${SOURCE_DIR}/include/*.hpp ${SOURCE_DIR}/tools/*.hpp ${SOURCE_DIR}/tools/*.cpp
  ${SOURCE_DIR}/tests/*.hpp ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/examples/*.cpp
  ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.hpp)
set(unformatted)
foreach(source ${sources})
  execute_process(COMMAND ${CLANG_FORMAT} --style=file --dry-run --Werror ${source}
                  RESULT_VARIABLE result OUTPUT_QUIET ERROR_QUIET)
  if(NOT result EQUAL 0)
    file(RELATIVE_PATH relative ${SOURCE_DIR} ${source})
    list(APPEND unformatted ${relative})
  endif()
endforeach()
if(unformatted)
  list(JOIN unformatted "\n  " text)
  message(FATAL_ERROR "not clang-formatted (run clang-format -i on them):\n  ${text}")
endif()
list(LENGTH sources count)
message(STATUS "${count} sources formatted")
