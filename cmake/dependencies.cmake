# Every dependency comes from Debian 12 packages (see scripts/setup.sh); nothing is vendored or
# downloaded at build time. Gotchas are from Debian 12's packages (see scripts/setup.sh).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(nlohmann_json 3.11 CONFIG REQUIRED)
find_package(CLI11 2.1 CONFIG REQUIRED)
find_package(fmt 9 CONFIG REQUIRED)
find_package(yaml-cpp 0.7 CONFIG REQUIRED)   # target is plain `yaml-cpp` in 0.7
find_package(simdjson 3 CONFIG REQUIRED)
find_package(zstd 1.5 CONFIG REQUIRED)       # 1.5.4 has no zstd::libzstd alias
find_package(ZLIB REQUIRED)
find_package(Boost 1.74 REQUIRED)            # BGL algorithms are header-only
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
find_package(tomlplusplus 3 CONFIG REQUIRED)  # the config file; a shared library in Debian

# Newer RE2 ships a CMake config (and needs Abseil); bookworm's only has pkg-config.
find_package(re2 CONFIG QUIET)
if(TARGET re2::re2)
  set(LOOPSCOPE_RE2_TARGET re2::re2)
else()
  pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
  set(LOOPSCOPE_RE2_TARGET PkgConfig::RE2)
endif()

if(LOOPSCOPE_BUILD_TESTS)
  find_package(doctest 2.4 CONFIG REQUIRED)  # must precede include(doctest)
endif()

# The binary's allocator. An analysis allocates a few texts per event on its decoding thread and
# frees them on the one that assembles turns; jemalloc's thread caches read a 300 MB rollout about
# 6 % and a 100 MB proxy log about 8 % faster than glibc's malloc (bench/README.md, ninth pass).
# "auto" takes jemalloc when its package (libjemalloc-dev) is there, "system" keeps glibc's. The
# sanitizers bring their own allocator: with them it is always the system's.
set(LOOPSCOPE_ALLOCATOR "auto" CACHE STRING "Allocator of the loopscope binary: auto, jemalloc or system")
set_property(CACHE LOOPSCOPE_ALLOCATOR PROPERTY STRINGS auto jemalloc system)
set(LOOPSCOPE_ALLOCATOR_TARGET "")
if(NOT LOOPSCOPE_SANITIZE AND NOT LOOPSCOPE_ALLOCATOR STREQUAL "system")
  if(LOOPSCOPE_ALLOCATOR STREQUAL "jemalloc")
    pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
  elseif(LOOPSCOPE_ALLOCATOR STREQUAL "auto")
    pkg_check_modules(JEMALLOC QUIET IMPORTED_TARGET jemalloc)
  else()
    message(FATAL_ERROR "LOOPSCOPE_ALLOCATOR must be auto, jemalloc or system, not '${LOOPSCOPE_ALLOCATOR}'")
  endif()
  if(TARGET PkgConfig::JEMALLOC)
    set(LOOPSCOPE_ALLOCATOR_TARGET PkgConfig::JEMALLOC)
  endif()
endif()
if(LOOPSCOPE_ALLOCATOR_TARGET)
  message(STATUS "loopscope allocator: jemalloc ${JEMALLOC_VERSION}")
else()
  message(STATUS "loopscope allocator: the system's")
endif()
