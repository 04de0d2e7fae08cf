/* Runs an artifact whose weights are in weights.bin through model.h's
 * autoglm_model_run, without the runtime: reads weights.bin and x.bin
 * (argv[1], argv[2]) into 64-byte aligned memory and prints the outputs,
 * one per line. weights-file.test compiles it against the artifact. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>

static void *readAll(const char *path, long *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  *size = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *p = aligned_alloc(64, ((size_t)*size + 63) / 64 * 64);
  if (p && fread(p, 1, (size_t)*size, f) != (size_t)*size) {
    free(p);
    p = NULL;
  }
  fclose(f);
  return p;
}

int main(int argc, char **argv) {
  long wn = 0, xn = 0;
  void *weights = readAll(argv[1], &wn);
  float *x = readAll(argv[2], &xn);
  if (argc < 3 || !weights || !x || wn != AUTOGLM_MODEL_WEIGHTS_BYTES ||
      xn != AUTOGLM_INPUT_x_BYTES) {
    fprintf(stderr, "cannot read the weights or the input\n");
    return 2;
  }
  float y[AUTOGLM_OUTPUT_y_BYTES / 4];
  void *ins[] = {x}, *outs[] = {y};
  void *arena = aligned_alloc(64, AUTOGLM_MODEL_ARENA_BYTES + 64);
  /* A misaligned weights pointer is refused before anything runs. */
  if (autoglm_model_run(arena, AUTOGLM_MODEL_ARENA_BYTES, ins, outs, (char *)weights + 4) !=
      AUTOGLM_MODEL_ERR_NULL) {
    fprintf(stderr, "a misaligned weights pointer was not refused\n");
    return 3;
  }
  int rc = autoglm_model_run(arena, AUTOGLM_MODEL_ARENA_BYTES, ins, outs, weights);
  if (rc != AUTOGLM_MODEL_OK) {
    fprintf(stderr, "autoglm_model_run: %d\n", rc);
    return 4;
  }
  for (unsigned i = 0; i < sizeof y / sizeof y[0]; ++i)
    printf("%.9g\n", y[i]);
  return 0;
}
