/* The SSE2 intrinsics argon2's opt.c uses, mapped onto WebAssembly SIMD (wasm_simd128.h). */
#ifndef ARGON2_WASM_EMMINTRIN_H
#define ARGON2_WASM_EMMINTRIN_H
#include <wasm_simd128.h>
typedef v128_t __m128i;
#define _mm_loadu_si128(p) wasm_v128_load(p)
#define _mm_storeu_si128(p, v) wasm_v128_store((p), (v))
#define _mm_xor_si128(a, b) wasm_v128_xor((a), (b))
#define _mm_add_epi64(a, b) wasm_i64x2_add((a), (b))
#define _mm_srli_epi64(a, c) wasm_u64x2_shr((a), (c))
#define _mm_slli_epi64(a, c) wasm_i64x2_shl((a), (c))
#define _mm_unpacklo_epi64(a, b) wasm_i64x2_shuffle((a), (b), 0, 2)
#define _mm_unpackhi_epi64(a, b) wasm_i64x2_shuffle((a), (b), 1, 3)
/* pmuludq: the low 32 bits of each 64-bit lane, multiplied to 64 bits. */
static inline __m128i _mm_mul_epu32(__m128i a, __m128i b) {
    return wasm_u64x2_extmul_low_u32x4(wasm_i32x4_shuffle(a, a, 0, 2, 0, 2),
                                       wasm_i32x4_shuffle(b, b, 0, 2, 0, 2));
}
#endif
