#include "command_args.h"

#include "command_line.h"
#include "console.h"

int32_t args_at_most(const char *command, int32_t arg_count, int32_t max_args)
{
    if (arg_count <= max_args) {
        return 1;
    }
    console_text("e-[");
    console_text(command);
    console_text(" takes at most ");
    console_uint((uint64_t)max_args);
    console_line(" arguments]");
    return 0;
}

int32_t args_count(const char *command, const char *what, const char *const *args, int32_t arg_count,
                   int32_t index, int32_t fallback, int32_t minimum, int32_t *value)
{
    if (index >= arg_count) {
        if (fallback >= 0) {
            *value = fallback;
            return 1;
        }
        console_text("e-[");
        console_text(command);
        console_text(" needs ");
        console_text(what);
        console_line("]");
        return 0;
    }
    if (command_parse_count(args[index], value) && *value >= minimum) {
        return 1;
    }
    console_text("e-[");
    console_text(command);
    console_text(": ");
    console_text(what);
    console_text(" must be a whole number >= ");
    console_uint((uint64_t)minimum);
    console_text(", got '");
    console_text(args[index]);
    console_line("']");
    return 0;
}
