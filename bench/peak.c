/*===- bench/peak.c - one core's multiply-add peak: VNNI int8 and FMA fp32 -===*
 * SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 *
 * The ceiling int8 kernels are measured against: 12 independent chains of
 * 512-bit vpdpbusd (64 u8 x s8 multiply-adds each) and of vfmadd231ps (16
 * fp32 ones), 200 million rounds each, on the core it is pinned to; prints
 * instructions and multiply-adds per second. Their ratio bounds what int8
 * can gain over fp32 per multiply-add (and fp32 3x3 convolutions run as
 * Winograd F(2,3), 2.25x fewer multiplies). Build and run (AVX512-VNNI):
 *   clang-22 -O2 -march=native bench/peak.c -o build/bench/peak
 *   taskset -c 1 build/bench/peak
 *===----------------------------------------------------------------------===*/
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

enum { kChains = 12 };
static const long kRounds = 200000000;

int main(void) {
  __m512i acc[kChains];
  __m512i x = _mm512_set1_epi32(0x01020304), w = _mm512_set1_epi32(0x01010101);
  for (int i = 0; i < kChains; i++)
    acc[i] = _mm512_setzero_si512();
  double t0 = now();
  for (long r = 0; r < kRounds; r++) {
    for (int j = 0; j < kChains; j++)
      acc[j] = _mm512_dpbusd_epi32(acc[j], x, w);
    __asm__ volatile("" : "+v"(x)); /* no hoisting across rounds */
  }
  double t = now() - t0;
  __m512i s = acc[0];
  for (int i = 1; i < kChains; i++)
    s = _mm512_add_epi32(s, acc[i]);
  printf("vpdpbusd: %.2f G/s, %.1f G int8 multiply-adds/s (check %d)\n",
         kRounds * kChains / t / 1e9, kRounds * kChains * 64.0 / t / 1e9,
         _mm512_reduce_add_epi32(s));
  __m512 f[kChains];
  __m512 xf = _mm512_set1_ps(1.0001f), wf = _mm512_set1_ps(0.9999f);
  for (int i = 0; i < kChains; i++)
    f[i] = _mm512_setzero_ps();
  t0 = now();
  for (long r = 0; r < kRounds; r++) {
    for (int j = 0; j < kChains; j++)
      f[j] = _mm512_fmadd_ps(xf, wf, f[j]);
    __asm__ volatile("" : "+v"(xf));
  }
  t = now() - t0;
  __m512 fs = f[0];
  for (int i = 1; i < kChains; i++)
    fs = _mm512_add_ps(fs, f[i]);
  printf("vfmadd231ps: %.2f G/s, %.1f G fp32 multiply-adds/s (check %g)\n",
         kRounds * kChains / t / 1e9, kRounds * kChains * 16.0 / t / 1e9,
         (double)_mm512_reduce_add_ps(fs));
  return 0;
}
