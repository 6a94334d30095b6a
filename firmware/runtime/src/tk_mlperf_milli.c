/* m-results' value of one output as MLPerf Tiny's reference firmware prints
 * it (kws01, vww01, ic01: the dequantized value cut or rounded to three
 * places), in thousandths, from the build's packed table of steps
 * (tinykit/model_data.h): no float arithmetic. Linked only by a model whose
 * benchmark prints such values (tinykit/latency/resources.py counts it as a
 * source of that model). */
#include "tinykit/model_data.h"

int32_t tk_mlperf_milli(const void *coefficients, const int8_t *output, const int8_t *input, int32_t count,
                        int32_t position)
{
    /* A table of the values would take 16 to 32 times the flash for a probability. Summed modulo
     * 2^32: the build checked that every value fits an int32_t. */
    const tk_mlperf_milli_table *table = (const tk_mlperf_milli_table *)coefficients;
    const int32_t q = output[position];
    uint32_t milli = (uint32_t)table->first;
    int32_t i;
    (void)input;
    (void)count;
    for (i = 0; i < q + 128; ++i) {
        const uint32_t bit = (uint32_t)i * table->bits;
        milli += (uint32_t)table->step + ((table->extra[bit / 32u] >> (bit % 32u)) & table->mask);
    }
    return (int32_t)milli;
}
