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
