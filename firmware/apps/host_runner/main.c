/* A command-line runner for a generated model on the build machine.
 *
 *   tinykit_run INPUT_FILE OUTPUT_FILE
 *
 * INPUT_FILE holds any number of samples back to back, each sample being the
 * model's inputs in order (tk_model_input_bytes(i) bytes each). For each
 * sample the runner invokes the model once and appends the outputs, in
 * order, to OUTPUT_FILE. Used by `tinykit verify` and the tests to compare
 * the generated code with TF Lite Micro byte for byte.
 */
#include <stdio.h>
#include <string.h>

#include "model.h"

static int fail(const char *what, const char *path)
{
    fprintf(stderr, "tinykit_run: %s %s\n", what, path);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s INPUT_FILE OUTPUT_FILE\n", argv[0]);
        return 2;
    }
    /* Samples are told apart by their size: with none, reading would never end. */
    size_t sample_bytes = 0;
    for (int32_t i = 0; i < TK_MODEL_NUM_INPUTS; ++i) {
        sample_bytes += (size_t)tk_model_input_bytes(i);
    }
    if (sample_bytes == 0) {
        fprintf(stderr, "tinykit_run: the model's inputs hold no bytes\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (in == NULL) {
        return fail("cannot open", argv[1]);
    }
    FILE *out = fopen(argv[2], "wb");
    if (out == NULL) {
        fclose(in);
        return fail("cannot create", argv[2]);
    }
    int status = 0;
    long samples = 0;
    for (;;) {
        int32_t i = 0;
        for (; i < TK_MODEL_NUM_INPUTS; ++i) {
            const size_t want = (size_t)tk_model_input_bytes(i);
            const size_t got = fread(tk_model_input(i), 1, want, in);
            if (got != want) {
                break;
            }
        }
        if (i < TK_MODEL_NUM_INPUTS) {
            if (i != 0 || !feof(in)) {
                fprintf(stderr, "tinykit_run: %s ends inside sample %ld\n", argv[1], samples);
                status = 1;
            }
            break;
        }
        const tk_status result = tk_model_invoke();
        if (result != TK_OK) {
            fprintf(stderr, "tinykit_run: inference %ld failed with status %d\n", samples, (int)result);
            status = 1;
            break;
        }
        for (int32_t o = 0; o < TK_MODEL_NUM_OUTPUTS; ++o) {
            fwrite(tk_model_output(o), 1, (size_t)tk_model_output_bytes(o), out);
        }
        ++samples;
    }
    fclose(in);
    if (fclose(out) != 0) {
        return fail("cannot write", argv[2]);
    }
    return status;
}
