#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and benchmarking symdiff needs.
# Safe to run again: when everything is already installed it changes nothing and needs no root.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache git ca-certificates pkgconf
  libboost1.74-dev            # Spirit X3 (header-only, build time only)
  libfmt-dev
  libcli11-dev                # the symdiff program's arguments
  libedit-dev                 # the REPL's line editing (found through pkg-config)
  llvm-19-dev                 # the JIT; its CMake package also looks for the libraries below
  zlib1g-dev libzstd-dev libffi-dev libxml2-dev libncurses-dev libz3-dev
  catch2                      # Catch2 v2 (2.13)
  nlohmann-json3-dev          # the tests read ../shared/acceptance/seed_cases.json
  libbenchmark-dev            # bench/
  tmux                        # REPL tests drive a terminal
  gnuplot-nox                 # symdiff plot, minimize/fit --plot and the REPL draw with gnuplot (README "Pictures")
  clang-19 libfuzzer-19-dev   # scripts/fuzz.sh: the fuzz targets need clang's libFuzzer and sanitizers
  pybind11-dev python3-dev    # the Python module (python/), built for Debian's /usr/bin/python3
  python3-numpy python3-pytest  # the module's arrays and its tests (tests/python)
  python3-pandas python3-matplotlib python3-nbclient python3-nbformat python3-ipykernel
                              # examples/notebooks, which tests/python/test_notebooks.py executes
)

missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
