/* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * The digits example on a microcontroller: runs the whole test split
 * through the model's static library (autoglm_model_run, one arena, no
 * heap), counts correct labels, and compares every logit with torch's fp32
 * reference. Then checks that a short or misaligned arena is refused with a
 * status and leaves the memory around it untouched. Output goes through
 * semihosting; the exit status is 0 only when every check held. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "digits_data.h"
#include "model.h"

#define GUARD 64
/* The arena with a guard band on both sides that must stay 0xA5. */
static unsigned char memory[GUARD + AUTOGLM_MODEL_ARENA_BYTES + 8 + GUARD]
    __attribute__((aligned(64)));

static int guards_intact(void) {
  for (unsigned i = 0; i < GUARD; ++i)
    if (memory[i] != 0xA5 || memory[sizeof memory - 1 - i] != 0xA5)
      return 0;
  return 1;
}

int main(void) {
  static float input[DIGITS_IN], output[DIGITS_OUT];
  void *inputs[1] = {input}, *outputs[1] = {output};
  unsigned char *arena = memory + GUARD;
  unsigned correct = 0, failures = 0;
  float worst = 0.0f;
  memset(memory, 0xA5, sizeof memory);
  for (unsigned i = 0; i < DIGITS_N; ++i) {
    memcpy(input, digits_inputs[i], sizeof input);
    int rc = autoglm_model_run(arena, AUTOGLM_MODEL_ARENA_BYTES, inputs, outputs);
    if (rc != AUTOGLM_MODEL_OK) {
      printf("sample %u: autoglm_model_run returned %d\n", i, rc);
      return 1;
    }
    unsigned best = 0;
    for (unsigned k = 0; k < DIGITS_OUT; ++k) {
      float d = output[k] - digits_logits[i][k];
      if (d < 0)
        d = -d;
      if (!(d <= worst))
        worst = d;
      if (output[k] > output[best])
        best = k;
    }
    correct += best == digits_labels[i];
  }
  if (!guards_intact()) {
    printf("FAIL: the model wrote outside its arena\n");
    ++failures;
  }
  /* Refusals: nothing runs, nothing is written. */
  memset(output, 0, sizeof output);
  if (AUTOGLM_MODEL_ARENA_BYTES > 0 &&
      autoglm_model_run(arena, AUTOGLM_MODEL_ARENA_BYTES - 1, inputs, outputs) !=
          AUTOGLM_MODEL_ERR_ARENA_SIZE) {
    printf("FAIL: a short arena was not refused\n");
    ++failures;
  }
  if (AUTOGLM_MODEL_ARENA_BYTES > 0 &&
      autoglm_model_run(arena + 4, AUTOGLM_MODEL_ARENA_BYTES, inputs, outputs) !=
          AUTOGLM_MODEL_ERR_ARENA_ALIGN) {
    printf("FAIL: a misaligned arena was not refused\n");
    ++failures;
  }
  if (autoglm_model_run(arena, AUTOGLM_MODEL_ARENA_BYTES, inputs, 0) != AUTOGLM_MODEL_ERR_NULL) {
    printf("FAIL: null outputs were not refused\n");
    ++failures;
  }
  for (unsigned k = 0; k < DIGITS_OUT; ++k)
    if (output[k] != 0.0f) {
      printf("FAIL: a refused call wrote its output\n");
      ++failures;
      break;
    }
  /* Integers only: picolibc's default printf has no floating point. */
  printf("digits: %u/%u correct; max |logit - torch| = %lu e-7; arena %lu bytes; %u failed "
         "checks\n",
         correct, DIGITS_N, (unsigned long)(worst * 1e7f), (unsigned long)AUTOGLM_MODEL_ARENA_BYTES,
         failures);
  return failures ? 1 : 0;
}
