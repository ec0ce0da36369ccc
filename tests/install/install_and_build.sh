#!/usr/bin/env bash
# Installs a build of bgsync into a fresh prefix and builds the installed examples against it, as a
# new user would: one CMake configure of all of them (find_package(bgsync)), and the C one again
# with plain cc and pkg-config. The ctest fixture that install_test.cpp's tests stand on.
#
#   install_and_build.sh BUILD_DIR PREFIX OUT_DIR
set -euo pipefail
build=$1 prefix=$2 out=$3
rm -rf "$prefix" "$out"
mkdir -p "$out"
step() { echo "== $* ($SECONDS s)"; }

step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$out/install.log"
examples=$prefix/share/doc/bgsync/examples
lib=$(dirname "$(find "$prefix" -name libbgsync.so.0 -print -quit)")
readelf -d "$lib/libbgsync.so.0" | grep -q 'SONAME.*\[libbgsync\.so\.0\]'

step "configure the examples with CMAKE_PREFIX_PATH=$prefix"
# A consumer's compiler, not bgsync's flags; -Wno-mismatched-new-delete as in bgsync's own build
# (a g++ 12 false positive on Asio's coroutine frames).
cmake -S "$examples" -B "$out" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="-Wall -Wextra -Wpedantic -Werror" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wpedantic -Werror -Wno-mismatched-new-delete" >"$out/configure.log"
step "build the examples"
cmake --build "$out" -j2 >"$out/build.log" || { cat "$out/build.log"; exit 1; }

step "the C example with cc and pkg-config"
export PKG_CONFIG_PATH=$lib/pkgconfig
echo "pkg-config --cflags --libs bgsync: $(pkg-config --cflags --libs bgsync)"
${CC:-cc} -std=c99 -Wall -Wextra -Wpedantic -Werror -o "$out/send-and-watch-pc" \
  "$examples/c/send_and_watch.c" $(pkg-config --cflags --libs bgsync)
# bgsync.h is also valid C++ (extern "C").
echo '#include <bgsync/bgsync.h>' | ${CXX:-c++} -x c++ -std=c++20 -fsyntax-only -Wall -Wextra -Wpedantic -Werror \
  $(pkg-config --cflags bgsync) -
step "done"
