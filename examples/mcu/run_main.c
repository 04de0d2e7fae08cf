/* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * A generic runner for any static-library artifact on a microcontroller
 * under qemu-system-arm: reads each input's raw bytes from DIR/input_<i>.bin
 * through semihosting file I/O, runs autoglm_model_run with an arena of
 * the size model.h states, and writes DIR/output_<i>.bin. The image is run
 * as `qemu-system-arm ... -kernel run.elf -append DIR` (DIR is the last
 * argument semihosting gives; scripts/qemu-run.py
 * does this and compares the outputs with reference data). Exit status: 0
 * when the run and the file I/O succeeded. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "model.h"

static unsigned char arena[AUTOGLM_MODEL_ARENA_BYTES + 1] __attribute__((aligned(64)));

/* Buffers start 8-byte aligned (every tensor's bytes are a multiple of its
 * element size; the padding keeps 8-byte elements aligned). */
static unsigned long align8(unsigned long n) { return (n + 7u) & ~7ul; }

static int transfer(const char *dir, const char *kind, unsigned i, unsigned char *data,
                    unsigned long bytes, int write_it) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s_%u.bin", dir, kind, i);
  /* open / read / write, not stdio: picolibc's fopen takes its FILE from
   * the heap, and this image has none. */
  int fd = write_it ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : open(path, O_RDONLY);
  if (fd < 0) {
    printf("cannot open %s\n", path);
    return 0;
  }
  unsigned long done = 0;
  while (done < bytes) {
    long n = write_it ? write(fd, data + done, bytes - done) : read(fd, data + done, bytes - done);
    if (n <= 0)
      break;
    done += (unsigned long)n;
  }
  close(fd);
  if (done != bytes) {
    printf("%s: %lu of %lu bytes\n", path, done, bytes);
    return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  static const unsigned long in_bytes[] = AUTOGLM_MODEL_INPUT_BYTES_LIST;
  static const unsigned long out_bytes[] = AUTOGLM_MODEL_OUTPUT_BYTES_LIST;
  /* Space for the 8-byte alignment padding. */
  static unsigned char in_pool[AUTOGLM_MODEL_INPUTS_TOTAL_BYTES + 8 * AUTOGLM_MODEL_NUM_INPUTS + 8]
      __attribute__((aligned(8)));
  static unsigned char out_pool[AUTOGLM_MODEL_OUTPUTS_TOTAL_BYTES + 8 * AUTOGLM_MODEL_NUM_OUTPUTS +
                                8] __attribute__((aligned(8)));
  void *inputs[AUTOGLM_MODEL_NUM_INPUTS + 1], *outputs[AUTOGLM_MODEL_NUM_OUTPUTS + 1];
  unsigned long at = 0;
  if (argc < 2) {
    printf("usage: run.elf DIR\n");
    return 2;
  }
  for (unsigned i = 0; i < AUTOGLM_MODEL_NUM_INPUTS; ++i) {
    inputs[i] = in_pool + at;
    if (!transfer(argv[argc - 1], "input", i, in_pool + at, in_bytes[i], 0))
      return 1;
    at += align8(in_bytes[i]);
  }
  at = 0;
  for (unsigned i = 0; i < AUTOGLM_MODEL_NUM_OUTPUTS; ++i) {
    outputs[i] = out_pool + at;
    at += align8(out_bytes[i]);
  }
  int rc = autoglm_model_run(arena, AUTOGLM_MODEL_ARENA_BYTES, inputs, outputs);
  if (rc != AUTOGLM_MODEL_OK) {
    printf("autoglm_model_run returned %d\n", rc);
    return 1;
  }
  at = 0;
  for (unsigned i = 0; i < AUTOGLM_MODEL_NUM_OUTPUTS; ++i) {
    if (!transfer(argv[argc - 1], "output", i, outputs[i], out_bytes[i], 1))
      return 1;
  }
  return 0;
}
