#!/usr/bin/env bash
# Installs what braid needs to build and test on Debian 12, skipping what is
# already there. Run as root (or with sudo available).
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config libtbb-dev nlohmann-json3-dev doctest-dev libcli11-dev graphviz libpng-dev libzstd-dev zstd)
# The ThreadSanitizer pass unpacks Debian's oneTBB source (dpkg-dev, cmake/tsan/build-tbb.sh);
# the fuzz targets need clang and its libFuzzer runtime (cmake/fuzz.sh).
packages+=(dpkg-dev clang libclang-rt-14-dev)
# The API reference and its zero-warning test (docs/CMakeLists.txt).
packages+=(doxygen)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps.sh: all dependencies are installed"
  exit 0
fi
echo "deps.sh: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
