#!/usr/bin/env bash
# Builds oneTBB with ThreadSanitizer from Debian's own source package, for
# braid's TSan test pass (BRAID_SANITIZE=thread).
#
# Why: Debian's libtbb.so is not instrumented, so TSan cannot see the
# happens-before edges made inside it (task spawn / steal, wait_for_all) and
# reports every hand-off between a TBB worker and the waiting thread as a race.
# oneTBB 2021.8 emits no ITT sync events for those hand-offs, so annotations
# cannot fix that from the outside. An instrumented libtbb built from the very
# source of the installed libtbb-dev (same version, Debian's patches applied)
# makes TSan see every edge.
#
# Usage: bash cmake/tsan/build-tbb.sh DIR
#   Builds into DIR/build and installs into DIR/install (use
#   -DCMAKE_PREFIX_PATH=DIR/install when configuring braid). Skips everything
#   when DIR/install already holds the build of the installed version.
#   Uses only Debian's archive (deb-src of the suites apt already uses), through
#   a private apt state in DIR/apt: /etc/apt is left untouched.
#   Needs: libtbb-dev, dpkg-dev, g++, cmake, ninja-build (cmake/deps.sh).
#   Env: JOBS (default: nproc), CXX (default: g++; must be the compiler that
#   builds braid, so both use the same TSan runtime).
set -euo pipefail

dir=${1:?usage: build-tbb.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
jobs=${JOBS:-$(nproc)}
export CXX=${CXX:-g++}

version=$(dpkg-query -W -f='${Version}' libtbb-dev 2>/dev/null || true)
if [ -z "$version" ]; then
  echo "build-tbb.sh: libtbb-dev is not installed (run cmake/deps.sh)" >&2
  exit 1
fi
stamp="$dir/install/braid-tsan-tbb.stamp"
want="onetbb $version, $($CXX --version | head -n1), -fsanitize=thread"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "build-tbb.sh: instrumented oneTBB $version already in $dir/install"
  exit 0
fi
start=$SECONDS

# deb-src entries for the suites of Debian's archive that apt already knows.
apt_dir="$dir/apt"
rm -rf "$apt_dir"
mkdir -p "$apt_dir/sources" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/src"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$apt_dir/sources/debian-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: $keyring

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: $keyring
SOURCES
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
          -o "APT::Sandbox::User=root")
echo "build-tbb.sh: fetching Debian's source of onetbb $version"
apt-get "${apt_opts[@]}" update -qq
# The source package of libtbb-dev, at exactly the installed version.
src_pkg=$(dpkg-query -W -f='${source:Package}' libtbb-dev)
(cd "$apt_dir/src" && apt-get "${apt_opts[@]}" source -qq "$src_pkg=$version")
src=$(find "$apt_dir/src" -mindepth 1 -maxdepth 1 -type d -name "$src_pkg-*" | head -n1)
[ -n "$src" ] || { echo "build-tbb.sh: no unpacked source in $apt_dir/src" >&2; exit 1; }

# Only libtbb: braid links nothing else. Without libtbbmalloc beside it, libtbb
# allocates with malloc, which TSan intercepts (a non-instrumented
# libtbbmalloc would hide memory reuse from TSan). RelWithDebInfo gives
# reports with file and line inside TBB.
rm -rf "$dir/build" "$dir/install"
cmake -S "$src" -B "$dir/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX="$dir/install" -DCMAKE_INSTALL_LIBDIR=lib \
  -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBB_STRICT=OFF \
  -DTBBMALLOC_BUILD=OFF -DTBB4PY_BUILD=OFF -DTBB_ENABLE_IPO=OFF \
  -DTBB_DISABLE_HWLOC_AUTOMATIC_SEARCH=ON \
  -DCMAKE_CXX_FLAGS="-fno-omit-frame-pointer" > "$dir/configure.log"
cmake --build "$dir/build" -j "$jobs"
cmake --install "$dir/build" > "$dir/install.log"
echo "$want" > "$stamp"
rm -rf "$apt_dir/src"
echo "build-tbb.sh: instrumented oneTBB $version in $dir/install ($((SECONDS - start)) s)"
