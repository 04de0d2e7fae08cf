/* Runs one GPU model (make_artifact.py's, y = x * w + 0.5 over float[4])
 * from several threads at once, each with its own context and its own
 * inputs, several times (so the later runs replay the CUDA graph), and
 * checks every element. The threads make the model's context current
 * themselves only through the runtime. */
#include <autoglm/runtime.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { THREADS = 4, RUNS = 5 };
static autoglm_model *model;
static int failures[THREADS];

static void *work(void *arg) {
  int t = (int)(intptr_t)arg;
  autoglm_context *c;
  if (autoglm_context_create(model, 0, &c)) {
    fprintf(stderr, "thread %d: %s\n", t, autoglm_last_error());
    failures[t] = 1;
    return NULL;
  }
  int64_t shape[1] = {4};
  for (int r = 0; r < RUNS; ++r) {
    float x[4], y[4];
    for (int i = 0; i < 4; ++i)
      x[i] = (float)(t * 100 + r * 10 + i);
    memset(y, 0, sizeof y);
    if (autoglm_context_set_input(c, 0, AUTOGLM_FLOAT32, 1, shape, x, sizeof x) ||
        autoglm_context_set_output(c, 0, AUTOGLM_FLOAT32, 1, shape, y, sizeof y) ||
        autoglm_context_run(c)) {
      fprintf(stderr, "thread %d run %d: %s\n", t, r, autoglm_last_error());
      failures[t] = 1;
      break;
    }
    for (int i = 0; i < 4; ++i)
      if (y[i] != x[i] * (float)(i + 1) + 0.5f) {
        fprintf(stderr, "thread %d run %d: y[%d] = %g, expected %g\n", t, r, i, y[i],
                x[i] * (float)(i + 1) + 0.5f);
        failures[t] = 1;
      }
  }
  autoglm_context_release(c);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: threads ARTIFACT_DIR\n");
    return 2;
  }
  if (autoglm_model_load(argv[1], &model)) {
    fprintf(stderr, "error: %s\n", autoglm_last_error());
    return 1;
  }
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; ++t)
    pthread_create(&threads[t], NULL, work, (void *)(intptr_t)t);
  int bad = 0;
  for (int t = 0; t < THREADS; ++t) {
    pthread_join(threads[t], NULL);
    bad += failures[t];
  }
  printf("%s: %d threads x %d runs on %s, %d failed\n", bad ? "FAIL" : "ok", THREADS, RUNS,
         autoglm_model_device(model), bad);
  autoglm_model_release(model);
  return bad != 0;
}
