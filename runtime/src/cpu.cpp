//===- cpu.cpp - does this CPU have the ISA features an artifact needs? ---===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A CPU artifact's manifest lists every LLVM target feature its code may
// use (target.requires). Loading a library compiled for a CPU with more
// extensions than this one would end in SIGILL somewhere mid-run; the
// runtime instead checks, at load, each feature it knows how to detect:
//  - x86-64: CPUID, with XGETBV for the OS's AVX / AVX-512 register state;
//  - AArch64, Arm: the kernel's hardware capabilities (getauxval).
// Features it cannot detect (e.g. "64bit", "cx16", RISC-V extensions, which
// the runtime is not built for) are not checked. The variable
// AUTOGLM_RUNTIME_HIDE_FEATURES=f1,f2 makes the runtime treat those
// features as absent: how to test what a smaller machine would do.
//===----------------------------------------------------------------------===//

#include "internal.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__) || defined(__arm__)
#include <sys/auxv.h>
#endif

namespace {

struct Feature {
  const char *name;
  bool (*present)();
};

#if defined(__x86_64__)
struct CpuidBits {
  unsigned leaf1Ecx = 0, leaf1Edx = 0, leaf7Ebx = 0, leaf7Ecx = 0, leaf7Edx = 0, leaf71Eax = 0,
           ext1Ecx = 0;
  bool osAvx = false, osAvx512 = false;
};

const CpuidBits &cpuid() {
  static const CpuidBits bits = [] {
    CpuidBits b;
    unsigned a, bx, c, d;
    unsigned maxLeaf = __get_cpuid_max(0, nullptr);
    if (__get_cpuid(1, &a, &bx, &c, &d)) {
      b.leaf1Ecx = c;
      b.leaf1Edx = d;
    }
    if (maxLeaf >= 7 && __get_cpuid_count(7, 0, &a, &bx, &c, &d)) {
      b.leaf7Ebx = bx;
      b.leaf7Ecx = c;
      b.leaf7Edx = d;
      if (a >= 1 && __get_cpuid_count(7, 1, &a, &bx, &c, &d))
        b.leaf71Eax = a;
    }
    if (__get_cpuid_max(0x80000000u, nullptr) >= 0x80000001u &&
        __get_cpuid(0x80000001u, &a, &bx, &c, &d))
      b.ext1Ecx = c;
    // The OS saves the YMM (and opmask / ZMM) state: XCR0 via XGETBV.
    if (b.leaf1Ecx & (1u << 27)) {
      unsigned lo, hi;
      __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      b.osAvx = (lo & 0x6) == 0x6;
      b.osAvx512 = (lo & 0xe6) == 0xe6;
    }
    return b;
  }();
  return bits;
}

#define BIT(FIELD, N) ((cpuid().FIELD >> (N)) & 1u)
#define AVX(EXPR) (cpuid().osAvx && (EXPR))
#define AVX512(EXPR) (cpuid().osAvx512 && (EXPR))
const Feature kFeatures[] = {
    {"sse", [] { return (bool)BIT(leaf1Edx, 25); }},
    {"sse2", [] { return (bool)BIT(leaf1Edx, 26); }},
    {"sse3", [] { return (bool)BIT(leaf1Ecx, 0); }},
    {"pclmul", [] { return (bool)BIT(leaf1Ecx, 1); }},
    {"ssse3", [] { return (bool)BIT(leaf1Ecx, 9); }},
    {"fma", [] { return AVX(BIT(leaf1Ecx, 12)); }},
    {"sse4.1", [] { return (bool)BIT(leaf1Ecx, 19); }},
    {"sse4.2", [] { return (bool)BIT(leaf1Ecx, 20); }},
    {"movbe", [] { return (bool)BIT(leaf1Ecx, 22); }},
    {"popcnt", [] { return (bool)BIT(leaf1Ecx, 23); }},
    {"aes", [] { return (bool)BIT(leaf1Ecx, 25); }},
    {"avx", [] { return AVX(BIT(leaf1Ecx, 28)); }},
    {"f16c", [] { return AVX(BIT(leaf1Ecx, 29)); }},
    {"bmi", [] { return (bool)BIT(leaf7Ebx, 3); }},
    {"avx2", [] { return AVX(BIT(leaf7Ebx, 5)); }},
    {"bmi2", [] { return (bool)BIT(leaf7Ebx, 8); }},
    {"avx512f", [] { return AVX512(BIT(leaf7Ebx, 16)); }},
    {"avx512dq", [] { return AVX512(BIT(leaf7Ebx, 17)); }},
    {"adx", [] { return (bool)BIT(leaf7Ebx, 19); }},
    {"avx512ifma", [] { return AVX512(BIT(leaf7Ebx, 21)); }},
    {"avx512cd", [] { return AVX512(BIT(leaf7Ebx, 28)); }},
    {"sha", [] { return (bool)BIT(leaf7Ebx, 29); }},
    {"avx512bw", [] { return AVX512(BIT(leaf7Ebx, 30)); }},
    {"avx512vl", [] { return AVX512(BIT(leaf7Ebx, 31)); }},
    {"avx512vbmi", [] { return AVX512(BIT(leaf7Ecx, 1)); }},
    {"avx512vbmi2", [] { return AVX512(BIT(leaf7Ecx, 6)); }},
    {"gfni", [] { return (bool)BIT(leaf7Ecx, 8); }},
    {"vaes", [] { return AVX(BIT(leaf7Ecx, 9)); }},
    {"vpclmulqdq", [] { return AVX(BIT(leaf7Ecx, 10)); }},
    {"avx512vnni", [] { return AVX512(BIT(leaf7Ecx, 11)); }},
    {"avx512bitalg", [] { return AVX512(BIT(leaf7Ecx, 12)); }},
    {"avx512vpopcntdq", [] { return AVX512(BIT(leaf7Ecx, 14)); }},
    {"avx512vp2intersect", [] { return AVX512(BIT(leaf7Edx, 8)); }},
    {"amx-bf16", [] { return (bool)BIT(leaf7Edx, 22); }},
    {"avx512fp16", [] { return AVX512(BIT(leaf7Edx, 23)); }},
    {"amx-tile", [] { return (bool)BIT(leaf7Edx, 24); }},
    {"amx-int8", [] { return (bool)BIT(leaf7Edx, 25); }},
    {"avxvnni", [] { return AVX(BIT(leaf71Eax, 4)); }},
    {"avx512bf16", [] { return AVX512(BIT(leaf71Eax, 5)); }},
    {"avxifma", [] { return AVX(BIT(leaf71Eax, 23)); }},
    {"lzcnt", [] { return (bool)BIT(ext1Ecx, 5); }},
    {"sse4a", [] { return (bool)BIT(ext1Ecx, 6); }},
    {"xop", [] { return AVX(BIT(ext1Ecx, 11)); }},
    {"fma4", [] { return AVX(BIT(ext1Ecx, 16)); }},
};
#undef BIT
#undef AVX
#undef AVX512

#elif defined(__aarch64__)
// Linux's arm64 hwcaps (asm/hwcap.h), spelled out so no kernel header of a
// particular version is needed.
bool hwcap(unsigned long bit) { return getauxval(AT_HWCAP) & bit; }
bool hwcap2(unsigned long bit) { return getauxval(AT_HWCAP2) & bit; }
const Feature kFeatures[] = {
    {"fp-armv8", [] { return hwcap(1ul << 0); }},
    {"neon", [] { return hwcap(1ul << 1); }},
    {"fullfp16", [] { return hwcap(1ul << 9) && hwcap(1ul << 10); }},
    {"rdm", [] { return hwcap(1ul << 12); }},
    {"dotprod", [] { return hwcap(1ul << 20); }},
    {"sve", [] { return hwcap(1ul << 22); }},
    {"sve2", [] { return hwcap2(1ul << 1); }},
    {"i8mm", [] { return hwcap2(1ul << 13); }},
    {"bf16", [] { return hwcap2(1ul << 14); }},
};

#elif defined(__arm__)
bool hwcap(unsigned long bit) { return getauxval(AT_HWCAP) & bit; }
const Feature kFeatures[] = {
    {"neon", [] { return hwcap(1ul << 12); }},
    {"vfp4", [] { return hwcap(1ul << 16); }},
    {"hwdiv-arm", [] { return hwcap(1ul << 17); }},
};

#else
const Feature kFeatures[] = {{"", [] { return true; }}};
#endif

bool hidden(const std::string &name) {
  const char *env = std::getenv("AUTOGLM_RUNTIME_HIDE_FEATURES");
  if (!env)
    return false;
  std::string list = std::string(",") + env + ",";
  return list.find("," + name + ",") != std::string::npos;
}

} // namespace

std::vector<std::string> autoglm::rt::missingCpuFeatures(const std::vector<std::string> &required) {
  std::vector<std::string> missing;
  for (const std::string &name : required)
    for (const Feature &f : kFeatures)
      if (*f.name && name == f.name && (hidden(name) || !f.present()))
        missing.push_back(name);
  return missing;
}
