/* log and sqrt for the front end, from the four basic operations only: the
 * C library's versions differ between the host's libm and newlib (and
 * newlib's would pull in libm), while +, -, *, / are rounded by IEEE 754
 * identically everywhere, so these give the same bits on every target. */
#include <string.h>

#include "mfcc_internal.h"

#define SQRT2_BITS 0x3FB504F3u /* the float just above sqrt(2) */
#define LN2_HI 0x1.62e4p-1f    /* ln 2 split so that e * LN2_HI is exact for |e| < 256 */
#define LN2_LO 0x1.7f7d1cp-20f

static uint32_t float_bits(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

static float bits_float(uint32_t bits)
{
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

float tk_mfcc_log(float x)
{
    /* x = m 2^e with m in [sqrt(2)/2, sqrt(2)); log(m) = 2 atanh(s) with
     * s = (m - 1) / (m + 1), |s| < 0.172: the series to s^9 is exact to
     * well under a float step. */
    uint32_t bits = float_bits(x);
    int32_t e = (int32_t)(bits >> 23) - 127;
    uint32_t mantissa = (bits & 0x007FFFFFu) | 0x3F800000u;
    float f;
    float s;
    float z;
    float series;
    if (mantissa > SQRT2_BITS) {
        mantissa -= 0x00800000u; /* halve m */
        e += 1;
    }
    f = bits_float(mantissa) - 1.0f; /* exact: m is within a factor 2 of 1 */
    s = f / (2.0f + f);
    z = s * s;
    series = z * (2.0f / 3.0f + z * (2.0f / 5.0f + z * (2.0f / 7.0f + z * (2.0f / 9.0f))));
    return (float)e * LN2_HI + ((float)e * LN2_LO + (2.0f * s + s * series));
}

float tk_mfcc_sqrt(float x)
{
    /* 1/sqrt(x) from the classic bit-level first guess and three Newton
     * steps, then sqrt(x) = x / sqrt(x) refined by one Newton step. */
    float y;
    float r;
    int32_t i;
    if (!(x >= 0x1p-100f)) {
        return 0.0f;
    }
    y = bits_float(0x5F375A86u - (float_bits(x) >> 1));
    for (i = 0; i < 3; ++i) {
        y = y * (1.5f - 0.5f * x * y * y);
    }
    r = x * y;
    return r + 0.5f * y * (x - r * r);
}
