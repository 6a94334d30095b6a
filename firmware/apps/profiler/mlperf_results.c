/* m-results-[...] as MLPerf Tiny's reference firmware prints it: every output
 * as a decimal with three places (kws01, vww01, ic01), one anomaly score
 * (ad01), or, for a model with no benchmark id, the raw int8 outputs. No
 * float arithmetic: the build turned the dequantization into a table of
 * printed values and the anomaly score into integer coefficients. */
#include "mlperf_results.h"

#include "console.h"
#include "model.h"
#include "model_io.h"

#if defined(TK_MODEL_MLPERF_MSE) || defined(TK_MODEL_MLPERF_MILLI_TABLE)
/* A value in thousandths as "[-]I.FFF". */
static void print_milli(int32_t milli)
{
    uint32_t magnitude = (uint32_t)milli;
    uint32_t fraction;
    if (milli < 0) {
        console_char('-');
        magnitude = 0u - magnitude;
    }
    console_uint(magnitude / 1000u);
    console_char('.');
    fraction = magnitude % 1000u;
    console_char((char)('0' + fraction / 100u));
    console_char((char)('0' + fraction / 10u % 10u));
    console_char((char)('0' + fraction % 10u));
}
#endif

#if defined(TK_MODEL_MLPERF_MILLI_TABLE)
/* The printed value of output value q, in thousandths, from the build's
 * packed steps (model.h; a table of the values would take 16 to 32 times
 * the flash for a probability). Summed modulo 2^32: the build checked that
 * every value fits an int32_t. */
static int32_t milli_of(int32_t q)
{
    uint32_t milli = (uint32_t)TK_MODEL_MLPERF_MILLI_FIRST;
    int32_t i;
    for (i = 0; i < q + 128; ++i) {
        const uint32_t bit = (uint32_t)i * TK_MODEL_MLPERF_MILLI_BITS;
        milli += (uint32_t)TK_MODEL_MLPERF_MILLI_STEP +
                 ((tk_model_mlperf_milli_extra[bit / 32u] >> (bit % 32u)) & TK_MODEL_MLPERF_MILLI_MASK);
    }
    return (int32_t)milli;
}
#endif

#if defined(TK_MODEL_MLPERF_MSE)
/* The mean squared error between the dequantized output and input, in
 * thousandths: three exact integer sums, weighted by the build's constants. */
static int32_t anomaly_score_milli(void)
{
    int64_t out_out = 0;
    int64_t out_in = 0;
    int64_t in_in = 0;
    int64_t weighted;
    int32_t i;
    for (i = 0; i < model_output_total_bytes(); ++i) {
        const int64_t a = (int64_t)(int8_t)*model_output_byte(i) - TK_MODEL_MLPERF_MSE_OUTPUT_ZERO_POINT;
        const int64_t b = (int64_t)(int8_t)*model_input_byte(i) - TK_MODEL_MLPERF_MSE_INPUT_ZERO_POINT;
        out_out += a * a;
        out_in += a * b;
        in_in += b * b;
    }
    weighted = TK_MODEL_MLPERF_MSE_OUT_OUT * out_out + TK_MODEL_MLPERF_MSE_OUT_IN * out_in +
               TK_MODEL_MLPERF_MSE_IN_IN * in_in;
    /* A square is never negative; the rounded coefficients may dip below 0 by a hair. */
    if (weighted < 0) {
        weighted = 0;
    }
    return (int32_t)((weighted + (INT64_C(1) << (TK_MODEL_MLPERF_MSE_SHIFT - 1))) >> TK_MODEL_MLPERF_MSE_SHIFT);
}
#endif

void mlperf_print_results(void)
{
    console_text("m-results-[");
#if defined(TK_MODEL_MLPERF_MSE)
    print_milli(anomaly_score_milli());
#else
    {
        const int32_t total = model_output_total_bytes();
        int32_t i;
        for (i = 0; i < total; ++i) {
            const int32_t q = (int32_t)(int8_t)*model_output_byte(i);
            if (i > 0) {
                console_text(",");
            }
#if defined(TK_MODEL_MLPERF_MILLI_TABLE)
            print_milli(milli_of(q));
#else
            console_int(q);
#endif
        }
    }
#endif
    console_line("]");
}
