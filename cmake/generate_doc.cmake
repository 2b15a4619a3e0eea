# Runs `LOOPSCOPE ARGS...` and writes its stdout to OUTPUT (replaced only when it changed); with
# GZIP set, also OUTPUT.gz (gzip -9n: no name or time stamp, so the package is reproducible).
# Called at build time by cmake/packaging.cmake.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${LOOPSCOPE} ${args} OUTPUT_FILE ${OUTPUT}.tmp RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "${LOOPSCOPE} ${ARGS} failed (${status})")
endif()
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
if(GZIP)
  execute_process(COMMAND ${GZIP} -9n -c ${OUTPUT} OUTPUT_FILE ${OUTPUT}.gz RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "gzip ${OUTPUT} failed (${status})")
  endif()
endif()
