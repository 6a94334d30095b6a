/* The model API (tinykit/model_api.h) over a generated model's data
 * (tinykit/model_data.h): the same code for every model, compiled without
 * link-time optimization like the kernels. */
#include "tinykit/model_api.h"
#include "tinykit/model_data.h"

tk_status tk_nop_invoke(void *const *args)
{
    (void)args;
    return TK_OK;
}

tk_status tk_model_invoke_op(int32_t op_index)
{
    if (op_index < 0 || op_index >= tk_model.num_ops) {
        return TK_ERROR_ARGUMENT;
    }
    return tk_model.ops[op_index].invoke(tk_model.ops[op_index].args);
}

tk_status tk_model_invoke(void)
{
    const tk_op_entry *op = tk_model.ops;
    const tk_op_entry *const end = op + tk_model.num_ops;
    for (; op < end; ++op) {
        const tk_status status = op->invoke(op->args);
        if (status != TK_OK) {
            return status;
        }
    }
    return TK_OK;
}

void *tk_model_input(int32_t index)
{
    return (index >= 0 && index < tk_model.num_inputs) ? tk_model.inputs[index] : NULL;
}

int32_t tk_model_input_bytes(int32_t index)
{
    return (index >= 0 && index < tk_model.num_inputs) ? tk_model.input_bytes[index] : 0;
}

void *tk_model_output(int32_t index)
{
    return (index >= 0 && index < tk_model.num_outputs) ? tk_model.outputs[index] : NULL;
}

int32_t tk_model_output_bytes(int32_t index)
{
    return (index >= 0 && index < tk_model.num_outputs) ? tk_model.output_bytes[index] : 0;
}

const char *tk_model_mlperf_id(void)
{
    return tk_model.mlperf_id[0] != '\0' ? tk_model.mlperf_id : tk_model.name;
}

const tk_model_data *tk_model_description(void)
{
    return &tk_model;
}
