//===- elf.cpp - is a model library a whole ELF file for this machine? ----===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// dlopen maps a shared object's segments as its program headers describe
// them, without checking that the file holds them: a truncated library
// (whose manifest hash was rewritten to match, or which changed between the
// hash check and the load) maps pages past the end of the file and dies with
// SIGBUS or SIGSEGV on the first touch. The loader therefore checks the
// headers against the bytes it has already read for the hash: the ELF
// class and machine of this runtime, and every program header and loadable
// segment inside the file.
//===----------------------------------------------------------------------===//

#include "internal.h"

#include <elf.h>

#include <cstring>
#include <string>

namespace {

#if defined(__LP64__)
using Ehdr = Elf64_Ehdr;
using Phdr = Elf64_Phdr;
constexpr unsigned char kClass = ELFCLASS64;
#else
using Ehdr = Elf32_Ehdr;
using Phdr = Elf32_Phdr;
constexpr unsigned char kClass = ELFCLASS32;
#endif

#if defined(__x86_64__)
constexpr unsigned kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kMachine = EM_AARCH64;
#elif defined(__arm__)
constexpr unsigned kMachine = EM_ARM;
#elif defined(__riscv)
constexpr unsigned kMachine = EM_RISCV;
#else
constexpr unsigned kMachine = EM_NONE;
#endif

/// [offset, offset + size) lies inside a file of `fileSize` bytes.
bool inside(uint64_t offset, uint64_t size, uint64_t fileSize) {
  return offset <= fileSize && size <= fileSize - offset;
}

} // namespace

bool autoglm::rt::checkElfLibrary(const std::string &bytes, std::string &why) {
  const uint64_t n = bytes.size();
  Ehdr eh;
  if (n < sizeof eh) {
    why = "it is " + std::to_string(n) + " bytes, shorter than an ELF header";
    return false;
  }
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
    why = "it is not an ELF file";
    return false;
  }
  if (eh.e_ident[EI_CLASS] != kClass || eh.e_machine != kMachine) {
    why = "it is an ELF file for another machine (class " + std::to_string(eh.e_ident[EI_CLASS]) +
          ", machine " + std::to_string(eh.e_machine) + "; this runtime takes class " +
          std::to_string(kClass) + ", machine " + std::to_string(kMachine) + ")";
    return false;
  }
  if (eh.e_type != ET_DYN) {
    why = "it is not a shared object (ELF type " + std::to_string(eh.e_type) + ")";
    return false;
  }
  if (eh.e_phentsize != sizeof(Phdr) || eh.e_phnum == 0 ||
      !inside(eh.e_phoff, uint64_t(eh.e_phnum) * sizeof(Phdr), n)) {
    why = "its program headers are missing or lie outside the file (truncated?)";
    return false;
  }
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Phdr ph;
    std::memcpy(&ph, bytes.data() + eh.e_phoff + uint64_t(i) * sizeof(Phdr), sizeof ph);
    if ((ph.p_type == PT_LOAD || ph.p_type == PT_DYNAMIC) && !inside(ph.p_offset, ph.p_filesz, n)) {
      why = "segment " + std::to_string(i) + " needs bytes " + std::to_string(ph.p_offset) +
            " to " + std::to_string(uint64_t(ph.p_offset) + ph.p_filesz) + ", and the file has " +
            std::to_string(n) + " (truncated?)";
      return false;
    }
    if (ph.p_type == PT_LOAD && ph.p_memsz < ph.p_filesz) {
      why = "segment " + std::to_string(i) + " is larger in the file than in memory";
      return false;
    }
  }
  return true;
}
