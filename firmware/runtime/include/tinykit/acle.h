/* The ACLE DSP intrinsics the cortexm/ kernels use (kernel-internal).
 *
 * On a core with the DSP extension (__ARM_FEATURE_DSP: Cortex-M4, M7, M33...)
 * this is the compiler's <arm_acle.h> and every intrinsic is one instruction.
 * Anywhere else (the host, where the tests build every cortexm/ twin under the
 * sanitizers) each intrinsic is defined below in portable C with exactly the
 * instruction's architectural result (Arm ARM, Armv7-M A7.7), free of
 * undefined and implementation-defined behaviour. The Q (sticky saturation)
 * flag is not modelled: no kernel reads it.
 *
 * tk_ror is tinykit's own: GCC 12's <arm_acle.h> has no __ror, and the rotate
 * idiom compiles to one ROR anyway; tk_sxtb16_ror8 and tk_sxtab16_ror8 fold
 * that rotation into the extend, as the instructions allow; tk_smmlar is SMMLAR,
 * which GCC 12's <arm_acle.h> lacks, and tk_pkh_low / tk_pkh_high are PKHBT
 * and PKHTB with a 16-bit shift (the halves of two words side by side). Add an intrinsic here (with its test in
 * tests/test_acle.py) before a kernel uses it.
 */
#ifndef TINYKIT_ACLE_H
#define TINYKIT_ACLE_H

#include <stdint.h>

/* Rotate right by n bits (0 <= n < 32): ROR. */
static inline uint32_t tk_ror(uint32_t x, uint32_t n)
{
    return (x >> (n & 31u)) | (x << ((32u - n) & 31u));
}

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#else

typedef int32_t int8x4_t;   /* four int8 lanes in one word, lane 0 in the low byte */
typedef int32_t int16x2_t;  /* two int16 lanes, lane 0 in the low half */
typedef uint32_t uint8x4_t;
typedef uint32_t uint16x2_t;

/* The bits of u as an int32_t (two's complement), without implementation-defined conversion. */
static inline int32_t tk_acle_s32(uint32_t u)
{
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) - INT32_MAX - 1;
}

static inline int32_t tk_acle_byte(uint32_t u, int lane)
{
    return (int32_t)((u >> (8 * lane)) & 0xffu) - (int32_t)(((u >> (8 * lane)) & 0x80u) << 1);
}

static inline int32_t tk_acle_half(uint32_t u, int lane)
{
    return (int32_t)((u >> (16 * lane)) & 0xffffu) - (int32_t)(((u >> (16 * lane)) & 0x8000u) << 1);
}

static inline int32_t tk_acle_pack16(int32_t lo, int32_t hi)
{
    return tk_acle_s32(((uint32_t)lo & 0xffffu) | (((uint32_t)hi & 0xffffu) << 16));
}

static inline int32_t tk_acle_saturate(int64_t x, int64_t lo, int64_t hi)
{
    return (int32_t)(x < lo ? lo : (x > hi ? hi : x));
}

/* SXTB16: bytes 0 and 2 sign-extended into the two halves. */
static inline int16x2_t __sxtb16(int8x4_t x)
{
    return tk_acle_pack16(tk_acle_byte((uint32_t)x, 0), tk_acle_byte((uint32_t)x, 2));
}

/* SXTAB16: each half of a plus the sign-extended byte 0 / byte 2 of b (halves wrap). */
static inline int16x2_t __sxtab16(int16x2_t a, int8x4_t b)
{
    return tk_acle_pack16(tk_acle_half((uint32_t)a, 0) + tk_acle_byte((uint32_t)b, 0),
                          tk_acle_half((uint32_t)a, 1) + tk_acle_byte((uint32_t)b, 2));
}

/* UXTB16: bytes 0 and 2 zero-extended into the two halves. */
static inline uint16x2_t __uxtb16(uint8x4_t x)
{
    return x & 0x00ff00ffu;
}

/* SMUAD: lo(a) * lo(b) + hi(a) * hi(b), wrapping to 32 bits. */
static inline int32_t __smuad(int16x2_t a, int16x2_t b)
{
    const int64_t sum = (int64_t)tk_acle_half((uint32_t)a, 0) * tk_acle_half((uint32_t)b, 0) +
                        (int64_t)tk_acle_half((uint32_t)a, 1) * tk_acle_half((uint32_t)b, 1);
    return tk_acle_s32((uint32_t)sum);
}

/* SMLAD: acc + lo(a) * lo(b) + hi(a) * hi(b), wrapping to 32 bits. */
static inline int32_t __smlad(int16x2_t a, int16x2_t b, int32_t acc)
{
    return tk_acle_s32((uint32_t)((int64_t)acc + __smuad(a, b)));
}

/* SMLADX: acc + lo(a) * hi(b) + hi(a) * lo(b), wrapping to 32 bits. */
static inline int32_t __smladx(int16x2_t a, int16x2_t b, int32_t acc)
{
    const int64_t sum = (int64_t)acc + (int64_t)tk_acle_half((uint32_t)a, 0) * tk_acle_half((uint32_t)b, 1) +
                        (int64_t)tk_acle_half((uint32_t)a, 1) * tk_acle_half((uint32_t)b, 0);
    return tk_acle_s32((uint32_t)sum);
}

/* SMLABB: acc + lo(a) * lo(b), wrapping to 32 bits. */
static inline int32_t __smlabb(int32_t a, int32_t b, int32_t acc)
{
    return tk_acle_s32((uint32_t)((int64_t)acc + (int64_t)tk_acle_half((uint32_t)a, 0) * tk_acle_half((uint32_t)b, 0)));
}

/* SMLABT: acc + lo(a) * hi(b); SMLATB: acc + hi(a) * lo(b); wrapping to 32 bits. */
static inline int32_t __smlabt(int32_t a, int32_t b, int32_t acc)
{
    return tk_acle_s32((uint32_t)((int64_t)acc + (int64_t)tk_acle_half((uint32_t)a, 0) * tk_acle_half((uint32_t)b, 1)));
}

static inline int32_t __smlatb(int32_t a, int32_t b, int32_t acc)
{
    return tk_acle_s32((uint32_t)((int64_t)acc + (int64_t)tk_acle_half((uint32_t)a, 1) * tk_acle_half((uint32_t)b, 0)));
}

/* SMLATT: acc + hi(a) * hi(b), wrapping to 32 bits. */
static inline int32_t __smlatt(int32_t a, int32_t b, int32_t acc)
{
    return tk_acle_s32((uint32_t)((int64_t)acc + (int64_t)tk_acle_half((uint32_t)a, 1) * tk_acle_half((uint32_t)b, 1)));
}

/* QADD, QSUB: saturating 32-bit addition and subtraction. */
static inline int32_t __qadd(int32_t a, int32_t b)
{
    return tk_acle_saturate((int64_t)a + b, INT32_MIN, INT32_MAX);
}

static inline int32_t __qsub(int32_t a, int32_t b)
{
    return tk_acle_saturate((int64_t)a - b, INT32_MIN, INT32_MAX);
}

/* SSAT: saturate to a signed range of `bits` bits (1..32); USAT: to [0, 2^bits - 1] (bits 0..31). */
static inline int32_t __ssat(int32_t x, uint32_t bits)
{
    return tk_acle_saturate(x, -((int64_t)1 << (bits - 1)), ((int64_t)1 << (bits - 1)) - 1);
}

static inline uint32_t __usat(int32_t x, uint32_t bits)
{
    return (uint32_t)tk_acle_saturate(x, 0, ((int64_t)1 << bits) - 1);
}

#endif /* __ARM_FEATURE_DSP */

/* SXTB16 and SXTAB16 of x rotated right by 8 (bytes 1 and 3): one instruction
 * with the rotation folded in, which GCC 12 does not do on its own for
 * __sxtb16(tk_ror(x, 8)). */
#if defined(__ARM_FEATURE_DSP)
static inline int16x2_t tk_sxtb16_ror8(int8x4_t x)
{
    int16x2_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

static inline int16x2_t tk_sxtab16_ror8(int16x2_t a, int8x4_t x)
{
    int16x2_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}

/* SMMLAR: the high word of acc * 2^32 + a * b + 2^31 (wrapping in 64 bits). */
static inline int32_t tk_smmlar(int32_t a, int32_t b, int32_t acc)
{
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* PKHBT a, b, LSL #16: the low half of a below the low half of b, one
 * instruction (GCC 12 builds it from three for the C idiom). */
static inline int32_t tk_pkh_low(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

/* PKHTB b, a, ASR #16: the high half of a below the high half of b. */
static inline int32_t tk_pkh_high(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
    return r;
}
#else
static inline int16x2_t tk_sxtb16_ror8(int8x4_t x)
{
    return __sxtb16(tk_acle_s32(tk_ror((uint32_t)x, 8)));
}

static inline int16x2_t tk_sxtab16_ror8(int16x2_t a, int8x4_t x)
{
    return __sxtab16(a, tk_acle_s32(tk_ror((uint32_t)x, 8)));
}

static inline int32_t tk_pkh_low(int32_t a, int32_t b)
{
    return tk_acle_s32(((uint32_t)a & 0xffffu) | ((uint32_t)b << 16));
}

static inline int32_t tk_pkh_high(int32_t a, int32_t b)
{
    return tk_acle_s32(((uint32_t)a >> 16) | ((uint32_t)b & 0xffff0000u));
}

static inline int32_t tk_smmlar(int32_t a, int32_t b, int32_t acc)
{
    const uint64_t sum = ((uint64_t)(uint32_t)acc << 32) + (uint64_t)((int64_t)a * b) + 0x80000000u;
    return tk_acle_s32((uint32_t)(sum >> 32));
}
#endif

#endif /* TINYKIT_ACLE_H */
