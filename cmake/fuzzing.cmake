# libFuzzer targets (tests/fuzz). Needs clang: GCC has no libFuzzer. Instruments every stage for
# coverage and with ASan + UBSan, so give it its own build directory:
#   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DLOOPSCOPE_FUZZ=ON
# scripts/fuzz.sh does that and runs each target.
include_guard(GLOBAL)
option(LOOPSCOPE_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)

function(loopscope_setup_fuzzing)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LOOPSCOPE_FUZZ needs clang (libFuzzer): configure a separate build "
                        "directory with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # fuzzer-no-link: coverage instrumentation in the libraries; the fuzzer main only in targets.
  target_compile_options(loopscope_compile_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer -g)
  target_link_options(loopscope_compile_options INTERFACE -fsanitize=address,undefined)
  # include, not add_subdirectory: a deferred call may not create directories.
  include(${PROJECT_SOURCE_DIR}/tests/fuzz/CMakeLists.txt)
endfunction()

# Deferred to the end of the top directory, so the include may sit anywhere in the top
# CMakeLists.txt: the stage libraries and their shared options target exist by then.
if(LOOPSCOPE_FUZZ)
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL loopscope_setup_fuzzing)
endif()
