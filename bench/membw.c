/*===- bench/membw.c - streaming read bandwidth, the decode roofline ------===*
 * SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * A decoder step at batch 1 reads every weight once: its time is bounded
 * below by (weight bytes) / (read bandwidth). This reads a 3 GiB buffer
 * with 1..N threads (OpenMP, static chunks, vector loads) and prints the
 * best of 8 passes as "threads GB/s" lines; bench/llm.py turns them into
 * the roofline column of its table. Built by bench/run-llm.sh:
 *   clang-22 -O2 -march=native -fopenmp bench/membw.c
 *===----------------------------------------------------------------------===*/
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef float v16 __attribute__((vector_size(64)));

int main(int argc, char **argv) {
  int maxThreads = argc > 1 ? atoi(argv[1]) : 2;
  size_t bytes = (size_t)3 << 30, n = bytes / sizeof(v16);
  v16 *a = aligned_alloc(64, bytes);
  if (!a)
    return 1;
  memset(a, 1, bytes);
  for (int t = 1; t <= maxThreads; ++t) {
    double best = 1e30;
    for (int pass = 0; pass < 8; ++pass) {
      double start = omp_get_wtime();
      v16 total = {0};
#pragma omp parallel num_threads(t)
      {
        v16 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
#pragma omp for schedule(static)
        for (size_t i = 0; i < n; i += 4) {
          s0 += a[i];
          s1 += a[i + 1];
          s2 += a[i + 2];
          s3 += a[i + 3];
        }
#pragma omp critical
        total += s0 + s1 + s2 + s3;
      }
      double s = omp_get_wtime() - start;
      if (s < best)
        best = s;
      if (total[0] == 1.0f)
        printf("unexpected\n");
    }
    printf("%d %.2f\n", t, bytes / best / 1e9);
  }
  free(a);
  return 0;
}
