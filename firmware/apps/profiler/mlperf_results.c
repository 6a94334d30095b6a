/* m-results-[...] as MLPerf Tiny's reference firmware prints it: every output
 * as a decimal with three places (kws01, vww01, ic01), one anomaly score
 * (ad01), or, for a model with no benchmark id, the raw int8 outputs. No
 * float arithmetic: the build turned the dequantization into a table of
 * printed values and the anomaly score into integer coefficients. A
 * generated model gives them as data (tinykit/model_data.h), read at run
 * time, so this code is the same for every model; a hand-written stand-in
 * model has no benchmark and prints raw outputs. */
#include "mlperf_results.h"

#include "console.h"
#include "model_figures.h"
#include "model_io.h"

#if defined(TK_MODEL_DATA)
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

/* The printed value of output value q, in thousandths, from the build's
 * packed steps (a table of the values would take 16 to 32 times the flash
 * for a probability). Summed modulo 2^32: the build checked that every
 * value fits an int32_t. */
static int32_t milli_of(const tk_model_data *model, int32_t q)
{
    uint32_t milli = (uint32_t)model->milli_first;
    int32_t i;
    for (i = 0; i < q + 128; ++i) {
        const uint32_t bit = (uint32_t)i * model->milli_bits;
        milli += (uint32_t)model->milli_step + ((model->milli_extra[bit / 32u] >> (bit % 32u)) & model->milli_mask);
    }
    return (int32_t)milli;
}

/* The mean squared error between the dequantized output and input, in
 * thousandths: three exact integer sums, weighted by the build's constants. */
static int32_t anomaly_score_milli(const tk_model_data *model)
{
    int64_t out_out = 0;
    int64_t out_in = 0;
    int64_t in_in = 0;
    int64_t weighted;
    int32_t i;
    for (i = 0; i < model_output_total_bytes(); ++i) {
        const int64_t a = (int64_t)(int8_t)*model_output_byte(i) - model->mse_output_zero_point;
        const int64_t b = (int64_t)(int8_t)*model_input_byte(i) - model->mse_input_zero_point;
        out_out += a * a;
        out_in += a * b;
        in_in += b * b;
    }
    weighted = model->mse_out_out * out_out + model->mse_out_in * out_in + model->mse_in_in * in_in;
    /* A square is never negative; the rounded coefficients may dip below 0 by a hair. */
    if (weighted < 0) {
        weighted = 0;
    }
    return (int32_t)((weighted + (INT64_C(1) << (model->mse_shift - 1))) >> model->mse_shift);
}
#endif

void mlperf_print_results(void)
{
#if defined(TK_MODEL_DATA)
    const tk_model_data *model = tk_model_description();
#endif
    console_text("m-results-[");
#if defined(TK_MODEL_DATA)
    if (model->mlperf_results == TK_MLPERF_MSE) {
        print_milli(anomaly_score_milli(model));
        console_line("]");
        return;
    }
#endif
    {
        const int32_t total = model_output_total_bytes();
        int32_t i;
        for (i = 0; i < total; ++i) {
            const int32_t q = (int32_t)(int8_t)*model_output_byte(i);
            if (i > 0) {
                console_text(",");
            }
#if defined(TK_MODEL_DATA)
            if (model->mlperf_results == TK_MLPERF_MILLI_TABLE) {
                print_milli(milli_of(model, q));
                continue;
            }
#endif
            console_int(q);
        }
    }
    console_line("]");
}
