/* The m-results-[...] line MLPerf Tiny's runner scores, in the form the
 * reference firmware of the build's benchmark prints it (tinykit/mlperf.py
 * computes the data the generated model holds, tinykit/model_data.h). */
#ifndef TK_PROFILER_MLPERF_RESULTS_H
#define TK_PROFILER_MLPERF_RESULTS_H

/* Prints the line for the outputs of the last inference. */
void mlperf_print_results(void);

#endif /* TK_PROFILER_MLPERF_RESULTS_H */
