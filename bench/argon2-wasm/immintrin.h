/* The AVX2 intrinsics argon2's opt.c uses, each 256-bit value a pair of WebAssembly SIMD v128. */
#ifndef ARGON2_WASM_IMMINTRIN_H
#define ARGON2_WASM_IMMINTRIN_H
#include "emmintrin.h"
typedef struct { v128_t lo, hi; } __m256i;
#define _MM_SHUFFLE(z, y, x, w) (((z) << 6) | ((y) << 4) | ((x) << 2) | (w))
static inline __m256i m256(v128_t lo, v128_t hi) { __m256i r; r.lo = lo; r.hi = hi; return r; }
static inline __m256i _mm256_loadu_si256(const __m256i *p) {
    return m256(wasm_v128_load(p), wasm_v128_load((const v128_t *)p + 1));
}
static inline void _mm256_storeu_si256(__m256i *p, __m256i v) {
    wasm_v128_store(p, v.lo);
    wasm_v128_store((v128_t *)p + 1, v.hi);
}
static inline __m256i _mm256_add_epi64(__m256i a, __m256i b) {
    return m256(wasm_i64x2_add(a.lo, b.lo), wasm_i64x2_add(a.hi, b.hi));
}
static inline __m256i _mm256_xor_si256(__m256i a, __m256i b) {
    return m256(wasm_v128_xor(a.lo, b.lo), wasm_v128_xor(a.hi, b.hi));
}
#define _mm256_srli_epi64(a, c) m256(wasm_u64x2_shr((a).lo, (c)), wasm_u64x2_shr((a).hi, (c)))
#ifdef ARGON2_WASM_MUL_PAIRED
/* The low halves of all four 64-bit lanes gathered into one vector: one shuffle per operand. */
static inline __m256i _mm256_mul_epu32(__m256i a, __m256i b) {
    v128_t as = wasm_i32x4_shuffle(a.lo, a.hi, 0, 2, 4, 6);
    v128_t bs = wasm_i32x4_shuffle(b.lo, b.hi, 0, 2, 4, 6);
    return m256(wasm_u64x2_extmul_low_u32x4(as, bs), wasm_u64x2_extmul_high_u32x4(as, bs));
}
#else
static inline __m256i _mm256_mul_epu32(__m256i a, __m256i b) {
    return m256(_mm_mul_epu32(a.lo, b.lo), _mm_mul_epu32(a.hi, b.hi));
}
#endif
#define _mm256_shuffle_epi32(x, imm)                                                         \
    m256(wasm_i32x4_shuffle((x).lo, (x).lo, (imm) & 3, ((imm) >> 2) & 3, ((imm) >> 4) & 3,  \
                            ((imm) >> 6) & 3),                                               \
         wasm_i32x4_shuffle((x).hi, (x).hi, (imm) & 3, ((imm) >> 2) & 3, ((imm) >> 4) & 3,  \
                            ((imm) >> 6) & 3))
/* Only the two byte rotations of each 64-bit lane (by 24 and by 16 bits) that blamka uses:
   the mask, a constant, names which, so each stays a constant shuffle. */
#define _mm256_setr_epi8(b0, ...) (b0)
#define _mm256_shuffle_epi8(x, first)                                                         \
    ((first) == 3 ? m256(wasm_i8x16_shuffle((x).lo, (x).lo, 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10), \
                         wasm_i8x16_shuffle((x).hi, (x).hi, 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10)) \
                  : m256(wasm_i8x16_shuffle((x).lo, (x).lo, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9), \
                         wasm_i8x16_shuffle((x).hi, (x).hi, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9)))
#define _mm256_permute4x64_epi64(x, imm)                                                     \
    m256(wasm_i64x2_shuffle((x).lo, (x).hi, (imm) & 3, ((imm) >> 2) & 3),                   \
         wasm_i64x2_shuffle((x).lo, (x).hi, ((imm) >> 4) & 3, ((imm) >> 6) & 3))
#define _mm256_blend_epi32(a, b, imm)                                                        \
    m256(wasm_i32x4_shuffle((a).lo, (b).lo, ((imm) & 1) ? 4 : 0, ((imm) & 2) ? 5 : 1,       \
                            ((imm) & 4) ? 6 : 2, ((imm) & 8) ? 7 : 3),                       \
         wasm_i32x4_shuffle((a).hi, (b).hi, ((imm) & 16) ? 4 : 0, ((imm) & 32) ? 5 : 1,     \
                            ((imm) & 64) ? 6 : 2, ((imm) & 128) ? 7 : 3))
#endif
