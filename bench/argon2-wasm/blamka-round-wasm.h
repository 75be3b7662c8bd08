/* BLAKE2b round of argon2's compression function G, on WebAssembly SIMD: the SSSE3 structure of
   the reference blamka-round-opt.h (two 64-bit words per v128), with the multiplications of the
   two halves of a row done together, since wasm has no pmuludq (lanes 0 and 2) but extmul_low /
   extmul_high (lanes 0,1 / 2,3) of one gathered vector. */
#ifndef BLAMKA_ROUND_WASM_H
#define BLAMKA_ROUND_WASM_H
#include <wasm_simd128.h>
#include "blake2-impl.h"
typedef v128_t __m128i;
#define _mm_loadu_si128(p) wasm_v128_load(p)
#define _mm_storeu_si128(p, v) wasm_v128_store((p), (v))
#define _mm_xor_si128(a, b) wasm_v128_xor((a), (b))

/* A0 += B0 + 2 * lo32(A0) * lo32(B0), and likewise A1, B1. */
#define FBLAMKA2(A0, B0, A1, B1)                                                   \
    do {                                                                           \
        v128_t xl = wasm_i32x4_shuffle(A0, A1, 0, 2, 4, 6);                        \
        v128_t yl = wasm_i32x4_shuffle(B0, B1, 0, 2, 4, 6);                        \
        v128_t p0 = wasm_u64x2_extmul_low_u32x4(xl, yl);                           \
        v128_t p1 = wasm_u64x2_extmul_high_u32x4(xl, yl);                          \
        A0 = wasm_i64x2_add(wasm_i64x2_add(A0, B0), wasm_i64x2_add(p0, p0));       \
        A1 = wasm_i64x2_add(wasm_i64x2_add(A1, B1), wasm_i64x2_add(p1, p1));       \
    } while ((void)0, 0)

#define ROTR32(x) wasm_i32x4_shuffle((x), (x), 1, 0, 3, 2)
#define ROTR24(x) wasm_i8x16_shuffle((x), (x), 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10)
#define ROTR16(x) wasm_i8x16_shuffle((x), (x), 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9)
#define ROTR63(x) wasm_v128_xor(wasm_u64x2_shr((x), 63), wasm_i64x2_add((x), (x)))

#define G1(A0, B0, C0, D0, A1, B1, C1, D1)                                         \
    do {                                                                           \
        FBLAMKA2(A0, B0, A1, B1);                                                  \
        D0 = ROTR32(wasm_v128_xor(D0, A0));                                        \
        D1 = ROTR32(wasm_v128_xor(D1, A1));                                        \
        FBLAMKA2(C0, D0, C1, D1);                                                  \
        B0 = ROTR24(wasm_v128_xor(B0, C0));                                        \
        B1 = ROTR24(wasm_v128_xor(B1, C1));                                        \
    } while ((void)0, 0)

#define G2(A0, B0, C0, D0, A1, B1, C1, D1)                                         \
    do {                                                                           \
        FBLAMKA2(A0, B0, A1, B1);                                                  \
        D0 = ROTR16(wasm_v128_xor(D0, A0));                                        \
        D1 = ROTR16(wasm_v128_xor(D1, A1));                                        \
        FBLAMKA2(C0, D0, C1, D1);                                                  \
        B0 = ROTR63(wasm_v128_xor(B0, C0));                                        \
        B1 = ROTR63(wasm_v128_xor(B1, C1));                                        \
    } while ((void)0, 0)

/* _mm_alignr_epi8(hi, lo, 8): the upper word of lo, then the lower word of hi. */
#define ALIGNR8(hi, lo) wasm_i64x2_shuffle((lo), (hi), 1, 2)

#define DIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1)                                \
    do {                                                                           \
        v128_t t0 = ALIGNR8(B1, B0);                                               \
        v128_t t1 = ALIGNR8(B0, B1);                                               \
        B0 = t0;                                                                   \
        B1 = t1;                                                                   \
        t0 = C0;                                                                   \
        C0 = C1;                                                                   \
        C1 = t0;                                                                   \
        t0 = ALIGNR8(D1, D0);                                                      \
        t1 = ALIGNR8(D0, D1);                                                      \
        D0 = t1;                                                                   \
        D1 = t0;                                                                   \
    } while ((void)0, 0)

#define UNDIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1)                              \
    do {                                                                           \
        v128_t t0 = ALIGNR8(B0, B1);                                               \
        v128_t t1 = ALIGNR8(B1, B0);                                               \
        B0 = t0;                                                                   \
        B1 = t1;                                                                   \
        t0 = C0;                                                                   \
        C0 = C1;                                                                   \
        C1 = t0;                                                                   \
        t0 = ALIGNR8(D0, D1);                                                      \
        t1 = ALIGNR8(D1, D0);                                                      \
        D0 = t1;                                                                   \
        D1 = t0;                                                                   \
    } while ((void)0, 0)

#define BLAKE2_ROUND(A0, A1, B0, B1, C0, C1, D0, D1)                               \
    do {                                                                           \
        G1(A0, B0, C0, D0, A1, B1, C1, D1);                                        \
        G2(A0, B0, C0, D0, A1, B1, C1, D1);                                        \
        DIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1);                               \
        G1(A0, B0, C0, D0, A1, B1, C1, D1);                                        \
        G2(A0, B0, C0, D0, A1, B1, C1, D1);                                        \
        UNDIAGONALIZE(A0, B0, C0, D0, A1, B1, C1, D1);                             \
    } while ((void)0, 0)
#endif
