# Compiles SOURCE and passes only if compilation fails with a message that names CONCEPT.
execute_process(
  COMMAND ${COMPILER} -std=c++20 -fsyntax-only -I${INCLUDE_DIR} -I${EIGEN_DIR} ${SOURCE}
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must be rejected by the concept ${CONCEPT}")
endif()
string(FIND "${output}" "${CONCEPT}" found)
string(FIND "${output}" "not satisfied" unsatisfied)
if(found EQUAL -1 OR unsatisfied EQUAL -1)
  message(FATAL_ERROR "${SOURCE} failed without naming the unsatisfied concept ${CONCEPT}:\n${output}")
endif()
message(STATUS "rejected as expected; the compiler names ${CONCEPT}")
