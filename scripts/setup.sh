#!/usr/bin/env bash
# Installs what loopscope needs (Debian 12 packages), builds it in Release, and shows a report on
# a bundled sample. Run from anywhere: bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libre2-dev nlohmann-json3-dev libcli11-dev libfmt-dev libboost-graph-dev doctest-dev
  libyaml-cpp-dev libzstd-dev zlib1g-dev libsimdjson-dev libsqlite3-dev
  # the binary's allocator (cmake/dependencies.cmake: LOOPSCOPE_ALLOCATOR)
  libjemalloc-dev
  python3 zstd gzip jq parallel graphviz tzdata ccache
  python3-junitparser prometheus
  # the config file's TOML parser; the .deb (dpkg-shlibdeps), man page and completion tests
  libtomlplusplus-dev dpkg-dev man-db groff-base zsh
)
run_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  run_as_root apt-get update -qq
  run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Mermaid's own parser checks the Markdown report's diagrams in the tests (tests/report); it comes
# from the npm registry. Optional: without Node.js the test says SKIP.
if command -v npm >/dev/null 2>&1; then
  mermaid_dir="${XDG_CACHE_HOME:-$HOME/.cache}/loopscope/mermaid"
  if [ ! -d "$mermaid_dir/node_modules/mermaid" ]; then
    npm install --prefix "$mermaid_dir" --no-audit --no-fund --silent mermaid@11 jsdom@29 \
      || echo "setup: could not install mermaid from npm; the mermaid check will be skipped"
  fi
fi

werror=OFF
if [ "${CI:-}" = "true" ] || [ "${LOOPSCOPE_WERROR:-}" = "ON" ]; then werror=ON; fi
# ccache, when installed, makes rebuilds (and CI on a machine that built before) cheap.
launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}"
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLOOPSCOPE_WERROR="$werror" "${launcher[@]}"
cmake --build build -j"$(nproc)"

echo
echo "setup: built build/loopscope. A report on a real Codex 0.121.0 run (HTTP 500, retries ran out):"
echo
# Exit status 1 means "findings at or above --fail-on": expected for this sample.
./build/loopscope samples/codex-0.121.0/http-500-exhausted/exec.jsonl || [ $? -eq 1 ]
