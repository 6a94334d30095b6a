/* m-results' one value for ad01 as MLPerf Tiny's reference firmware prints
 * it: the mean squared error between the dequantized output and input, in
 * thousandths, as three exact integer sums weighted by the build's
 * coefficients (tinykit/model_data.h): no float arithmetic. Linked only by a
 * model whose benchmark prints it (tinykit/latency/resources.py counts it as
 * a source of that model). */
#include "tinykit/model_data.h"

static int64_t coefficient(const uint32_t words[2])
{
    return (int64_t)(((uint64_t)words[1] << 32) | words[0]);
}

int32_t tk_mlperf_mse_milli(const void *coefficients, const int8_t *output, const int8_t *input, int32_t count,
                            int32_t position)
{
    const tk_mlperf_mse *mse = (const tk_mlperf_mse *)coefficients;
    int64_t out_out = 0;
    int64_t out_in = 0;
    int64_t in_in = 0;
    int64_t weighted;
    int32_t i;
    (void)position;
    for (i = 0; i < count; ++i) {
        const int64_t a = (int64_t)output[i] - mse->output_zero_point;
        const int64_t b = (int64_t)input[i] - mse->input_zero_point;
        out_out += a * a;
        out_in += a * b;
        in_in += b * b;
    }
    weighted = coefficient(mse->out_out) * out_out + coefficient(mse->out_in) * out_in + coefficient(mse->in_in) * in_in;
    /* A square is never negative; the rounded coefficients may dip below 0 by a hair. */
    if (weighted < 0) {
        weighted = 0;
    }
    return (int32_t)((weighted + (INT64_C(1) << (mse->shift - 1))) >> mse->shift);
}
