/* m-results-[...] as MLPerf Tiny's reference firmware prints it: every output
 * as a decimal with three places (kws01, vww01, ic01), one anomaly score
 * (ad01), or, for a model with no benchmark id, the raw int8 outputs. No
 * float arithmetic: the build turned the dequantization into a table of
 * printed values and the anomaly score into integer coefficients, which a
 * runtime source the model links turns into thousandths
 * (tinykit/model_data.h's mlperf_milli): this code is the same for every
 * model. A hand-written stand-in model has no benchmark and prints raw
 * outputs. */
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
#endif

void mlperf_print_results(void)
{
    int32_t values = model_output_total_bytes();
    int32_t i;
#if defined(TK_MODEL_DATA)
    const tk_model_data *model = tk_model_description();
    /* One input and one output when the values are in thousandths (tinykit/mlperf.py checks). */
    const int8_t *output = (const int8_t *)tk_model_output(0);
    const int8_t *input = (const int8_t *)model_input_byte(0);
    const int32_t count = values;
    if (model->mlperf_milli != NULL) {
        values = model->mlperf_values;
    }
#endif
    console_text("m-results-[");
    for (i = 0; i < values; ++i) {
        if (i > 0) {
            console_text(",");
        }
#if defined(TK_MODEL_DATA)
        if (model->mlperf_milli != NULL) {
            print_milli(model->mlperf_milli(model->mlperf_coefficients, output, input, count, i));
            continue;
        }
#endif
        console_int((int32_t)(int8_t)*model_output_byte(i));
    }
    console_line("]");
}
