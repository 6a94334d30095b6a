/* Quantizing features to a model's int8 input as TF Lite's QUANTIZE does:
 * round(x / scale) half away from zero (std::round), plus the zero point,
 * saturated. (MLPerf Tiny's own evaluation script truncates instead, which
 * differs by one step for about half of the values.) */
#include "mfcc_internal.h"

/* Beyond this |x / scale| every zero point saturates; it also keeps the
 * float-to-int conversion defined (and sends NaN to -128). */
#define QUANT_LIMIT 1024.0f

static int32_t round_half_away(float v)
{
    int32_t t = (int32_t)v;           /* toward zero */
    float fraction = v - (float)t;    /* exact for |v| < 2^23 */
    if (fraction >= 0.5f) {
        return t + 1;
    }
    if (fraction <= -0.5f) {
        return t - 1;
    }
    return t;
}

void tk_mfcc_quantize(const float *mfcc, size_t count, float scale, int32_t zero_point, int8_t *out)
{
    size_t i;
    for (i = 0; i < count; ++i) {
        float v = mfcc[i] / scale;
        int32_t q;
        if (!(v > -QUANT_LIMIT)) {
            v = -QUANT_LIMIT;
        } else if (v > QUANT_LIMIT) {
            v = QUANT_LIMIT;
        }
        q = round_half_away(v) + zero_point;
        out[i] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
    }
}
