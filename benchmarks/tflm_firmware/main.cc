// TF Lite Micro benchmark firmware for the emulated Cortex-M boards.
//
// Runs one embedded .tflite on one embedded input with TF Lite Micro's
// interpreter and prints, one `key=value` line each: the arena the
// interpreter used, the instructions of one inference (after a warm-up, timed
// with tinykit's BSP counter: SysTick under QEMU -icount, scaled to retired
// instructions), and each output tensor's bytes in hex. `done` ends the
// report; `error=...` replaces it when the interpreter refuses the model.
//
// The model, the input and the op list come from files the benchmark
// generates per model (bench_model.S, bench_ops.h), so this one source serves
// every model, board and kernel variant.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "bench_ops.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"

extern "C" {
#include "tinykit/bsp.h"

// bench_model.S: the .tflite and the input bytes, with their sizes.
extern const uint8_t g_bench_model[];
extern const uint8_t g_bench_input[];
extern const uint32_t g_bench_input_size;
}

namespace {

// Static, so that its size shows in .bss and nothing of it is on the stack;
// large enough for every model the benchmark runs (the report gives the use).
constexpr size_t kArenaBytes = 1024 * 1024;
alignas(16) uint8_t g_arena[kArenaBytes];

void print(const char* text) { tk_bsp_write(text, std::strlen(text)); }

void print_line(const char* key, uint32_t value) {
  char digits[11];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10u);
    value /= 10u;
  } while (value != 0u);
  print(key);
  print("=");
  while (n > 0) {
    char digit = digits[--n];
    tk_bsp_write(&digit, 1);
  }
  print("\n");
}

void print_hex(const uint8_t* data, size_t size) {
  static const char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < size; ++i) {
    char pair[2] = {kHex[data[i] >> 4], kHex[data[i] & 0xFu]};
    tk_bsp_write(pair, 2);
  }
}

[[noreturn]] void stop(const char* reason) {
  print("error=");
  print(reason);
  print("\n");
  for (;;) {
  }
}

// The input tensors' memory may be reused by later tensors during an
// inference (the planner shares the arena), so it is loaded before each run.
void load_input(tflite::MicroInterpreter& interpreter) {
  size_t offset = 0;
  for (size_t i = 0; i < interpreter.inputs_size(); ++i) {
    TfLiteTensor* tensor = interpreter.input(i);
    if (offset + tensor->bytes > g_bench_input_size) stop("input file smaller than the model's inputs");
    std::memcpy(tensor->data.raw, g_bench_input + offset, tensor->bytes);
    offset += tensor->bytes;
  }
  if (offset != g_bench_input_size) stop("input file larger than the model's inputs");
}

}  // namespace

int main() {
  tk_bsp_init();
  const tflite::Model* model = tflite::GetModel(g_bench_model);
  tflite::MicroMutableOpResolver<BENCH_OP_COUNT> resolver;
  BENCH_REGISTER_OPS(resolver);
  tflite::MicroInterpreter interpreter(model, resolver, g_arena, kArenaBytes);
  if (interpreter.AllocateTensors() != kTfLiteOk) stop("AllocateTensors failed");
  print_line("arena_used_bytes", static_cast<uint32_t>(interpreter.arena_used_bytes()));

  load_input(interpreter);
  if (interpreter.Invoke() != kTfLiteOk) stop("Invoke failed");  // warm-up
  load_input(interpreter);
  uint32_t start = tk_bsp_cycles();
  TfLiteStatus status = interpreter.Invoke();
  uint32_t instructions = tk_bsp_cycles() - start;
  if (status != kTfLiteOk) stop("Invoke failed");
  print_line("instructions", instructions);

  for (size_t i = 0; i < interpreter.outputs_size(); ++i) {
    const TfLiteTensor* tensor = interpreter.output(i);
    print("output=");
    print_hex(reinterpret_cast<const uint8_t*>(tensor->data.raw), tensor->bytes);
    print("\n");
  }
  print("done\n");
  for (;;) {
  }
}
