/* The AVX-512F intrinsics argon2's opt.c uses, each 512-bit value four WebAssembly SIMD v128
   (build.sh puts this file in an include folder of its own as immintrin.h). The multiplications
   gather the low words of two v128 into one, as immintrin.h's ARGON2_WASM_MUL_PAIRED. */
#ifndef ARGON2_WASM_IMMINTRIN512_H
#define ARGON2_WASM_IMMINTRIN512_H
#include "emmintrin.h"
typedef struct { v128_t q0, q1, q2, q3; } __m512i;
#define _MM_SHUFFLE(z, y, x, w) (((z) << 6) | ((y) << 4) | ((x) << 2) | (w))
static inline __m512i m512(v128_t q0, v128_t q1, v128_t q2, v128_t q3) {
    __m512i r; r.q0 = q0; r.q1 = q1; r.q2 = q2; r.q3 = q3; return r;
}
static inline __m512i _mm512_loadu_si512(const void *p) {
    const v128_t *v = (const v128_t *)p;
    return m512(wasm_v128_load(v), wasm_v128_load(v + 1), wasm_v128_load(v + 2), wasm_v128_load(v + 3));
}
static inline void _mm512_storeu_si512(void *p, __m512i x) {
    v128_t *v = (v128_t *)p;
    wasm_v128_store(v, x.q0); wasm_v128_store(v + 1, x.q1); wasm_v128_store(v + 2, x.q2); wasm_v128_store(v + 3, x.q3);
}
static inline __m512i _mm512_add_epi64(__m512i a, __m512i b) {
    return m512(wasm_i64x2_add(a.q0, b.q0), wasm_i64x2_add(a.q1, b.q1), wasm_i64x2_add(a.q2, b.q2), wasm_i64x2_add(a.q3, b.q3));
}
static inline __m512i _mm512_xor_si512(__m512i a, __m512i b) {
    return m512(wasm_v128_xor(a.q0, b.q0), wasm_v128_xor(a.q1, b.q1), wasm_v128_xor(a.q2, b.q2), wasm_v128_xor(a.q3, b.q3));
}
static inline __m512i _mm512_mul_epu32(__m512i a, __m512i b) {
    v128_t a01 = wasm_i32x4_shuffle(a.q0, a.q1, 0, 2, 4, 6), a23 = wasm_i32x4_shuffle(a.q2, a.q3, 0, 2, 4, 6);
    v128_t b01 = wasm_i32x4_shuffle(b.q0, b.q1, 0, 2, 4, 6), b23 = wasm_i32x4_shuffle(b.q2, b.q3, 0, 2, 4, 6);
    return m512(wasm_u64x2_extmul_low_u32x4(a01, b01), wasm_u64x2_extmul_high_u32x4(a01, b01),
                wasm_u64x2_extmul_low_u32x4(a23, b23), wasm_u64x2_extmul_high_u32x4(a23, b23));
}
#define ROR1(x, n)                                                                                   \
    ((n) == 32   ? wasm_i32x4_shuffle((x), (x), 1, 0, 3, 2)                                           \
     : (n) == 24 ? wasm_i8x16_shuffle((x), (x), 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10) \
     : (n) == 16 ? wasm_i8x16_shuffle((x), (x), 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9) \
                 : wasm_v128_xor(wasm_u64x2_shr((x), 63), wasm_i64x2_add((x), (x))))
#define _mm512_ror_epi64(x, n) m512(ROR1((x).q0, n), ROR1((x).q1, n), ROR1((x).q2, n), ROR1((x).q3, n))
/* Within each 256-bit half: lane k of the half = lane (imm >> 2k) & 3 of that half. */
#define _mm512_permutex_epi64(x, imm)                                                          \
    m512(wasm_i64x2_shuffle((x).q0, (x).q1, (imm) & 3, ((imm) >> 2) & 3),                     \
         wasm_i64x2_shuffle((x).q0, (x).q1, ((imm) >> 4) & 3, ((imm) >> 6) & 3),              \
         wasm_i64x2_shuffle((x).q2, (x).q3, (imm) & 3, ((imm) >> 2) & 3),                     \
         wasm_i64x2_shuffle((x).q2, (x).q3, ((imm) >> 4) & 3, ((imm) >> 6) & 3))
/* 128-bit lanes: two of a (by imm bits 0-3), then two of b (bits 4-7). */
#define Q128(x, i) ((i) == 0 ? (x).q0 : (i) == 1 ? (x).q1 : (i) == 2 ? (x).q2 : (x).q3)
#define _mm512_shuffle_i64x2(a, b, imm)                                                        \
    m512(Q128(a, (imm) & 3), Q128(a, ((imm) >> 2) & 3), Q128(b, ((imm) >> 4) & 3), Q128(b, ((imm) >> 6) & 3))
/* The one index vector opt.c uses, (0, 1, 4, 5, 2, 3, 6, 7): swaps the middle 128-bit lanes. */
#define _mm512_setr_epi64(...) 0
#define _mm512_permutexvar_epi64(idx, x) m512((x).q0, (x).q2, (x).q1, (x).q3)
#endif
