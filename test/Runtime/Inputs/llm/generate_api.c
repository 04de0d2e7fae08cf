/* The generator's C API on the test decoder: greedy tokens against the
 * reference for two slots decoded together, and every refused call (a slot
 * out of range, a decode on an empty slot, a slot twice, a token outside the
 * vocabulary, a prompt longer than the cache) leaves the other slots' state
 * as it was: their tokens still match afterwards.
 * Usage: generate_api ARTIFACT  (prints one line per check; exit 1 on a
 * failed one). The reference is reference.json's prompts 0 and 2. */
#include "autoglm/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

static void expect(int ok, const char *what) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  if (!ok)
    failures++;
}

static void refused(int rc, const char *what) {
  printf("%s: %s: %s\n", rc ? "refused" : "FAIL (accepted)", what, autoglm_last_error());
  if (!rc)
    failures++;
}

int main(int argc, char **argv) {
  static const int64_t prompt0[] = {121, 131, 193, 243, 8};
  static const int64_t want0[] = {198, 19, 31, 160, 157, 158, 111, 127};
  static const int64_t prompt2[] = {210, 242, 63, 79, 222, 108, 69, 211, 65};
  static const int64_t want2[] = {23, 183, 118, 238, 137, 213, 216, 58};
  autoglm_model *m;
  autoglm_generator *g;
  if (argc != 2 || autoglm_model_load(argv[1], &m) || autoglm_generator_create(m, 1, 0, &g)) {
    printf("setup failed: %s\n", autoglm_last_error());
    return 2;
  }
  size_t vocab = autoglm_generator_vocab(g), slots = autoglm_generator_slots(g);
  size_t blocks = autoglm_generator_blocks(g);
  float *logits = malloc(sizeof(float) * vocab * slots);
  uint64_t seed = 0;
  expect(autoglm_generator_free_blocks(g) == blocks, "every block free at the start");

  /* Prefill slots 0 and 3 (any slot may hold any sequence). */
  int64_t tok[2];
  expect(!autoglm_generator_prefill(g, 0, prompt0, 5, logits), "prefill slot 0");
  tok[0] = autoglm_sample(logits, vocab, 0, 0, 1, &seed);
  expect(!autoglm_generator_prefill(g, 3, prompt2, 9, logits), "prefill slot 3");
  tok[1] = autoglm_sample(logits, vocab, 0, 0, 1, &seed);
  expect(autoglm_generator_length(g, 0) == 5 && autoglm_generator_length(g, 3) == 9,
         "slot lengths are the prompts'");
  expect(autoglm_generator_free_blocks(g) == blocks - 2, "one block per slot so far (paged)");

  /* Refused calls, each changing nothing. */
  size_t bad[] = {7};
  refused(autoglm_generator_decode(g, 1, bad, tok, logits), "slot out of range");
  size_t empty[] = {1};
  refused(autoglm_generator_decode(g, 1, empty, tok, logits), "decode on an empty slot");
  size_t twice[] = {0, 0};
  refused(autoglm_generator_decode(g, 2, twice, tok, logits), "one slot twice");
  int64_t outside[] = {100000, 1};
  size_t both[] = {0, 3};
  refused(autoglm_generator_decode(g, 2, both, outside, logits), "token outside the vocabulary");
  int64_t *longPrompt = calloc(100, sizeof(int64_t));
  refused(autoglm_generator_prefill(g, 2, longPrompt, 100, logits), "prompt over max_seq_len");
  refused(autoglm_generator_prefill(g, 9, prompt0, 5, logits), "prefill slot out of range");
  refused(autoglm_generator_free(g, 9), "free slot out of range");
  expect(autoglm_generator_length(g, 0) == 5 && autoglm_generator_length(g, 3) == 9 &&
             autoglm_generator_length(g, 2) == 0 && autoglm_generator_free_blocks(g) == blocks - 2,
         "the refused calls changed no slot");

  /* Both slots in one decode call per step, against the reference. */
  int match0 = tok[0] == want0[0], match2 = tok[1] == want2[0];
  for (int step = 1; step < 8; ++step) {
    if (autoglm_generator_decode(g, 2, both, tok, logits)) {
      printf("FAIL: decode: %s\n", autoglm_last_error());
      return 1;
    }
    tok[0] = autoglm_sample(logits, vocab, 0, 0, 1, &seed);
    tok[1] = autoglm_sample(logits + vocab, vocab, 0, 0, 1, &seed);
    match0 &= tok[0] == want0[step];
    match2 &= tok[1] == want2[step];
  }
  expect(match0, "slot 0 decodes the reference's tokens of prompt 0");
  expect(match2, "slot 3 decodes the reference's tokens of prompt 2");

  /* Freeing returns the blocks; a freed slot is empty again. */
  expect(!autoglm_generator_free(g, 0) && autoglm_generator_length(g, 0) == 0, "free slot 0");
  expect(!autoglm_generator_free(g, 3) && autoglm_generator_free_blocks(g) == blocks,
         "every block back in the pool");

  /* Sampling: a seed gives the same tokens again; top_k 1 is greedy. */
  uint64_t s1 = 42, s2 = 42;
  int same = 1;
  for (int i = 0; i < 16; ++i)
    same &= autoglm_sample(logits, vocab, 1.0f, 0, 0.9f, &s1) ==
            autoglm_sample(logits, vocab, 1.0f, 0, 0.9f, &s2);
  expect(same, "sampling with one seed repeats");
  expect(autoglm_sample(logits, vocab, 1.0f, 1, 1.0f, &s1) ==
             autoglm_sample(logits, vocab, 0, 0, 1, &s1),
         "top_k 1 samples the greedy token");

  free(longPrompt);
  free(logits);
  autoglm_generator_release(g);
  autoglm_model_release(m);
  return failures ? 1 : 0;
}
