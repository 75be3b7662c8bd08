#!/usr/bin/env bash
# Builds argon2 (the reference C implementation, phc-winner-argon2) to wasm32 with Debian's
# clang, in several variants, for bench/argon2-builds.ts to compare with @phi-ag/argon2's build.
#   bench/argon2-wasm/build.sh OUTDIR
# Needs: apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 (Debian bookworm;
# wasi-libc gives dlmalloc, memcpy, memset, strlen).
# The C sources come from the `argon2` npm package (node-argon2 vendors phc-winner-argon2 in its
# tarball: npm pack checks the registry's integrity hash); only opt.c's round is ours
# (blamka-round-wasm.h, or the AVX2 / AVX-512 intrinsics opt.c uses mapped onto two / four v128
# by immintrin.h / immintrin-avx512.h).
# Output: OUTDIR/<variant>.wasm, each exporting malloc, free, argon2_hash, argon2_error_message
# and _initialize (a WASI reactor, with no imports: encoding.c's one sprintf is sprintf-lu.c).
set -euo pipefail
out=$(realpath -m "${1:?usage: build.sh OUTDIR}")
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-clang-19}
ARGON2_NPM=${ARGON2_NPM:-argon2@0.45.1}
command -v "$CC" >/dev/null || { echo "build.sh: $CC not found (apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32)" >&2; exit 2; }
[ -f /usr/lib/wasm32-wasi/libc.a ] || { echo "build.sh: no wasi-libc (apt-get install wasi-libc)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$ARGON2_NPM" >/dev/null && tar xzf ./*.tgz)
src="$work/package/argon2"
[ -f "$src/src/opt.c" ] || { echo "build.sh: $ARGON2_NPM has no argon2/src/opt.c" >&2; exit 2; }
# opt.c with the wasm round instead of the x86 one (the only change to the reference sources).
sed 's|#include "blake2/blamka-round-opt.h"|#include "blamka-round-wasm.h"|' "$src/src/opt.c" >"$work/opt-wasm.c"
mkdir -p "$out"

common=(--target=wasm32-wasi --sysroot=/usr -O3 -flto -mbulk-memory -std=c99
  -DARGON2_NO_THREADS -Dsprintf=argon2_wasm_sprintf -I"$src/include" -I"$src/src" -I"$src/src/blake2"
  "$src/src/argon2.c" "$src/src/core.c" "$src/src/blake2/blake2b.c" "$src/src/encoding.c"
  "$here/sprintf-lu.c" -mexec-model=reactor -Wl,--strip-debug
  -Wl,--export=argon2_hash,--export=malloc,--export=free,--export=argon2_error_message)
build() {
  local name=$1
  shift
  "$CC" "${common[@]}" "$@" -o "$out/$name.wasm"
}
# The portable reference (ref.c): what SIMD buys.
build clang-ref "$src/src/ref.c"
# opt.c's SSSE3 structure (two 64-bit words per v128), the two multiplications of a row together.
build clang-sse-paired -msimd128 -I"$here" "$work/opt-wasm.c"
# opt.c's AVX2 structure (two rounds interleaved), as @phi-ag/argon2 builds it with emscripten.
build clang-avx2 -msimd128 -D__AVX2__ -I"$here" "$src/src/opt.c"
# The same with the four 32-bit multiplications of a 256-bit row from one gathered vector.
build clang-avx2-paired -msimd128 -D__AVX2__ -DARGON2_WASM_MUL_PAIRED -I"$here" "$src/src/opt.c"
# opt.c's AVX-512 structure (four 128-bit quarters per row: more interleaving, more live vectors).
mkdir -p "$work/avx512"
cp "$here/emmintrin.h" "$work/avx512/"
cp "$here/immintrin-avx512.h" "$work/avx512/immintrin.h"
build clang-avx512-paired -msimd128 -D__AVX512F__ -I"$work/avx512" "$src/src/opt.c"
ls -l "$out"
