/* Runs an artifact of ONNX's test_add (sum = x + y, float[3,4,5]) through the
 * installed runtime's C API and checks every element. */
#include <autoglm/runtime.h>

#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: consumer ARTIFACT_DIR\n");
    return 2;
  }
  autoglm_model *m;
  autoglm_context *c;
  if (autoglm_model_load(argv[1], &m) || autoglm_context_create(m, 1, &c)) {
    fprintf(stderr, "error: %s\n", autoglm_last_error());
    return 1;
  }
  static float x[60], y[60], sum[60];
  int64_t shape[3] = {3, 4, 5};
  for (int i = 0; i < 60; ++i) {
    x[i] = (float)i;
    y[i] = 2.0f * (float)i;
  }
  if (autoglm_context_set_input(c, 0, AUTOGLM_FLOAT32, 3, shape, x, sizeof x) ||
      autoglm_context_set_input(c, 1, AUTOGLM_FLOAT32, 3, shape, y, sizeof y) ||
      autoglm_context_set_output(c, 0, AUTOGLM_FLOAT32, 3, shape, sum, sizeof sum) ||
      autoglm_context_run(c)) {
    fprintf(stderr, "error: %s\n", autoglm_last_error());
    return 1;
  }
  int bad = 0;
  for (int i = 0; i < 60; ++i)
    bad += sum[i] != 3.0f * (float)i;
  printf("%s: %d of 60 elements wrong\n", bad ? "FAIL" : "ok", bad);
  autoglm_context_release(c);
  autoglm_model_release(m);
  return bad != 0;
}
