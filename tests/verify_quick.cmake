# Runs `banditry verify --quick` and checks that no claim group crashed and summary.json exists.
file(REMOVE_RECURSE ${OUT_DIR})
execute_process(COMMAND ${BANDITRY} verify --quick --out ${OUT_DIR}
                RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "banditry verify --quick exited with ${result}:\n${err}")
endif()
if(out MATCHES "claim group failed to run")
  message(FATAL_ERROR "a claim group threw an exception in quick mode")
endif()
if(NOT EXISTS ${OUT_DIR}/summary.json)
  message(FATAL_ERROR "verify --quick wrote no summary.json")
endif()
