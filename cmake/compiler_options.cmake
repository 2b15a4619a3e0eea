# Per-target settings, applied through loopscope_target_defaults() so CMAKE_CXX_FLAGS stays alone.
add_library(loopscope_compile_options INTERFACE)
target_compile_features(loopscope_compile_options INTERFACE cxx_std_20)
target_compile_options(loopscope_compile_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(LOOPSCOPE_WERROR)
  target_compile_options(loopscope_compile_options INTERFACE -Werror)
endif()
if(LOOPSCOPE_SANITIZE)
  target_compile_options(loopscope_compile_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(loopscope_compile_options INTERFACE -fsanitize=address,undefined)
endif()

function(loopscope_target_defaults target)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
  target_link_libraries(${target} PRIVATE loopscope_compile_options)
endfunction()
