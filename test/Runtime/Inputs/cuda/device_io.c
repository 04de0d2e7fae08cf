/* Device-resident inputs and outputs of one GPU model (make_artifact.py's,
 * y = x * w + 0.5 over float[4], w = [1, 2, 3, 4]) through the C API: device
 * memory from autoglm_model_device_alloc bound in place of host memory, runs
 * waited for and runs enqueued back to back, a rebinding to other device
 * buffers after the launches were captured as a graph (the graph must follow
 * the new addresses), and what the API refuses. Prints one line per check;
 * the stand-in driver keeps device memory in host memory. */
#include <autoglm/runtime.h>

#include <stdio.h>
#include <string.h>

static int failed;

static void expect(const char *what, int ok) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  failed |= !ok;
}

static void refused(const char *what, int rc) {
  printf("%s: %s: %s\n", rc ? "refused" : "FAIL (accepted)", what, autoglm_last_error());
  failed |= !rc;
}

/* Whether y (on the device at `dy`) is x * w + 0.5. */
static int check(autoglm_model *m, uint64_t dy, const float *x) {
  float y[4];
  if (autoglm_model_copy_from_device(m, y, dy, sizeof y))
    return 0;
  for (int i = 0; i < 4; ++i)
    if (y[i] != x[i] * (float)(i + 1) + 0.5f) {
      printf("  y[%d] = %g, expected %g\n", i, y[i], x[i] * (float)(i + 1) + 0.5f);
      return 0;
    }
  return 1;
}

int main(int argc, char **argv) {
  autoglm_model *m;
  autoglm_context *c;
  /* In order with the stand-in driver's trace on stderr. */
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc != 2 || autoglm_model_load(argv[1], &m) || autoglm_context_create(m, 0, &c)) {
    fprintf(stderr, "error: %s\n", argc == 2 ? autoglm_last_error() : "usage: device_io DIR");
    return 2;
  }
  int64_t shape[1] = {4};
  float x1[4] = {1, 2, 3, 4}, x2[4] = {10, 20, 30, 40}, host[4] = {0};
  uint64_t dx1 = 0, dy1 = 0, dx2 = 0, dy2 = 0;
  expect("allocate",
         !autoglm_model_device_alloc(m, 16, &dx1) && !autoglm_model_device_alloc(m, 16, &dy1) &&
             !autoglm_model_device_alloc(m, 16, &dx2) && !autoglm_model_device_alloc(m, 16, &dy2));
  expect("upload", !autoglm_model_copy_to_device(m, dx1, x1, 16) &&
                       !autoglm_model_copy_to_device(m, dx2, x2, 16));
  expect("bind device memory",
         !autoglm_context_set_input_device(c, 0, AUTOGLM_FLOAT32, 1, shape, dx1, 16) &&
             !autoglm_context_set_output_device(c, 0, AUTOGLM_FLOAT32, 1, shape, dy1, 16));
  /* The first run launches, the second captures the graph. */
  for (int r = 0; r < 2; ++r)
    expect(r ? "second run (graph)" : "first run", !autoglm_context_run(c) && check(m, dy1, x1));
  /* Other buffers: the graph must be captured again for their addresses. */
  expect("rebind to other device memory",
         !autoglm_context_set_input_device(c, 0, AUTOGLM_FLOAT32, 1, shape, dx2, 16) &&
             !autoglm_context_set_output_device(c, 0, AUTOGLM_FLOAT32, 1, shape, dy2, 16));
  expect("clear the first output", !autoglm_model_copy_to_device(m, dy1, host, 16));
  int rc = 0;
  for (int r = 0; r < 3 && !rc; ++r)
    rc = autoglm_context_run_async(c);
  expect("three runs enqueued, then synchronized",
         !rc && !autoglm_context_synchronize(c) && check(m, dy2, x2));
  float y1[4];
  expect("the old output untouched",
         !autoglm_model_copy_from_device(m, y1, dy1, 16) && !memcmp(y1, host, 16));
  /* Host memory again for the input: a waited run copies it in. */
  expect("host input, device output",
         !autoglm_context_set_input(c, 0, AUTOGLM_FLOAT32, 1, shape, x1, 16) &&
             !autoglm_context_run(c) && check(m, dy2, x1));
  refused("an enqueued run with a host-bound input", autoglm_context_run_async(c));
  refused("a null device pointer",
          autoglm_context_set_input_device(c, 0, AUTOGLM_FLOAT32, 1, shape, 0, 16));
  refused("a wrong byte count",
          autoglm_context_set_output_device(c, 0, AUTOGLM_FLOAT32, 1, shape, dy1, 12));
  refused("a wrong dtype",
          autoglm_context_set_input_device(c, 0, AUTOGLM_INT32, 1, shape, dx1, 16));
  refused("a null result pointer", autoglm_model_device_alloc(m, 16, NULL));
  expect("free", !autoglm_model_device_free(m, dx1) && !autoglm_model_device_free(m, dy1) &&
                     !autoglm_model_device_free(m, dx2) && !autoglm_model_device_free(m, dy2));
  autoglm_context_release(c);
  autoglm_model_release(m);
  printf("%s\n", failed ? "FAILED" : "all passed");
  return failed;
}
