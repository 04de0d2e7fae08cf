//===- feedback.cpp - a run's string outputs fed to the next run ----------===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//   feedback ARTIFACT   (a StringNormalizer artifact: one string input, one
//                        string output with an open extent)
// Runs the model on four strings, then binds the output's strings (bytes
// the context owns) as the input of the next run on the same context, three
// times. The strings must survive until that run is over (runtime.h); the
// autoglm-fuzz-binding target found the runtime freeing them first.
// Normalizing is idempotent, so every run must give the first run's strings.
// Last, the output's own buffer bound as the input must be refused.
//===----------------------------------------------------------------------===//

#include "autoglm/runtime.h"

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char **argv) {
  autoglm_model *m = nullptr;
  autoglm_context *c = nullptr;
  if (argc < 2 || autoglm_model_load(argv[1], &m) || autoglm_context_create(m, 1, &c)) {
    std::fprintf(stderr, "feedback: %s\n", autoglm_last_error());
    return 1;
  }
  std::vector<const char *> in = {"HELLO", "Tuesday", "World", "FRIDAY"};
  int64_t inShape[1] = {(int64_t)in.size()};
  std::vector<const char *> out(autoglm_model_output_bytes(m, 0) / sizeof(char *));
  std::vector<std::string> first;
  for (int run = 0; run < 4; ++run) {
    if (autoglm_context_set_input(c, 0, AUTOGLM_STRING, 1, inShape, in.data(),
                                  in.size() * sizeof(char *)) ||
        autoglm_context_set_output(c, 0, AUTOGLM_STRING, 1, autoglm_model_output_max_shape(m, 0),
                                   out.data(), out.size() * sizeof(char *)) ||
        autoglm_context_run(c)) {
      std::fprintf(stderr, "feedback: run %d: %s\n", run, autoglm_last_error());
      return 1;
    }
    int64_t n = autoglm_context_output_shape(c, 0)[0];
    std::vector<std::string> got(out.begin(), out.begin() + n);
    std::printf("run %d:", run);
    for (const std::string &s : got)
      std::printf(" '%s'", s.c_str());
    std::printf("\n");
    if (run == 0)
      first = got;
    else if (got != first) {
      std::fprintf(stderr, "feedback: run %d differs from run 0\n", run);
      return 1;
    }
    // The next run's input: this run's output strings, as they are.
    in.assign(out.begin(), out.begin() + n);
    inShape[0] = n;
  }
  // The output's own buffer bound as the input: refused (the code would
  // read pointers it has already overwritten).
  if (autoglm_context_set_input(c, 0, AUTOGLM_STRING, 1, inShape, out.data(),
                                (size_t)inShape[0] * sizeof(char *)) == 0 &&
      autoglm_context_run(c) != 0)
    std::printf("aliased: %s\n", autoglm_last_error());
  autoglm_context_release(c);
  autoglm_model_release(m);
  return 0;
}
