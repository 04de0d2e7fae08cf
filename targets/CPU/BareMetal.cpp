//===- BareMetal.cpp - static-library artifacts for microcontrollers -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A bare-metal artifact is the model's object in a static library (model.a)
// that the user links into their firmware. Nothing links here, so the
// object itself is checked: every symbol it needs from outside must be one
// a freestanding image provides (memcpy / memset / memmove, the Arm EABI's
// __aeabi_* helpers of libgcc or compiler-rt, and libm's functions); a heap
// allocation, an OpenMP call or another OS service refuses the compile.
// The manifest gets the object's section sizes (text, rodata, data, bss)
// and the symbols it imports.
//===----------------------------------------------------------------------===//

#include "autoglm/Target/CPU.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/MemoryBuffer.h"

#include <nlohmann/json.hpp>

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// Why a bare-metal image cannot take `symbol`, or empty when it can.
std::string refusal(llvm::StringRef symbol) {
  static const llvm::StringSet<> heap = {"malloc",  "free",          "calloc",
                                         "realloc", "aligned_alloc", "posix_memalign"};
  if (heap.contains(symbol))
    return "the model allocates memory at run time (" + symbol.str() +
           "): a temporary the memory planner could not place in the arena (an open extent, "
           "a data-dependent size or a string); bare-metal targets need static shapes "
           "(--input-shape, --dim)";
  if (symbol.starts_with("omp_") || symbol.starts_with("__kmpc_"))
    return "the model calls the OpenMP runtime (" + symbol.str() +
           "); compile with --parallel=false";
  static const llvm::StringSet<> freestanding = {"memcpy", "memset", "memmove"};
  // The compiler's helpers (libgcc / compiler-rt: __aeabi_* of the Arm EABI,
  // __truncsfhf2, ...), which every bare-metal toolchain links.
  if (freestanding.contains(symbol) || symbol.starts_with("__"))
    return "";
  // libm: what the generated code does not expand inline (asin, cosh,
  // fmod, ...). picolibc, newlib and every MCU toolchain's libm have them.
  static const llvm::StringSet<> libm = {
      "acosf",  "asinf",      "atanf",     "atan2f", "coshf",     "sinhf",  "tanhf",
      "acoshf", "asinhf",     "atanhf",    "expf",   "exp2f",     "expm1f", "logf",
      "log2f",  "log10f",     "log1pf",    "powf",   "sqrtf",     "cbrtf",  "sinf",
      "cosf",   "tanf",       "erff",      "erfcf",  "fmodf",     "roundf", "roundevenf",
      "rintf",  "nearbyintf", "floorf",    "ceilf",  "truncf",    "fabsf",  "copysignf",
      "fmaf",   "fminf",      "fmaxf",     "acos",   "asin",      "atan",   "atan2",
      "cosh",   "sinh",       "tanh",      "acosh",  "asinh",     "atanh",  "exp",
      "exp2",   "expm1",      "log",       "log2",   "log10",     "log1p",  "pow",
      "sqrt",   "cbrt",       "sin",       "cos",    "tan",       "erf",    "erfc",
      "fmod",   "round",      "roundeven", "rint",   "nearbyint", "floor",  "ceil",
      "trunc",  "fabs",       "copysign",  "fma",    "fmin",      "fmax"};
  if (libm.contains(symbol))
    return "";
  return "the model needs '" + symbol.str() +
         "', which a bare-metal image does not provide (only memcpy, memset, memmove, the "
         "compiler's __* helpers and libm's functions are taken)";
}

} // namespace

LogicalResult mlir::autoglm::linkStaticLibrary(const std::string &objectPath,
                                               const std::string &outputPath, LinkedLibrary &out,
                                               std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(objectPath, false, false);
  if (!buffer) {
    error = "cannot read " + objectPath;
    return failure();
  }
  auto object = llvm::object::ObjectFile::createObjectFile((*buffer)->getMemBufferRef());
  if (!object) {
    error = "the emitted object is not readable: " + llvm::toString(object.takeError());
    return failure();
  }
  std::vector<std::string> imports;
  for (const llvm::object::SymbolRef &sym : (*object)->symbols()) {
    auto flags = sym.getFlags();
    auto name = sym.getName();
    if (!flags || !name) {
      if (!flags)
        llvm::consumeError(flags.takeError());
      if (!name)
        llvm::consumeError(name.takeError());
      continue;
    }
    if (!(*flags & llvm::object::SymbolRef::SF_Undefined) || name->empty())
      continue;
    std::string why = refusal(*name);
    if (!why.empty()) {
      error = why;
      return failure();
    }
    imports.push_back(name->str());
  }
  llvm::sort(imports);
  imports.erase(std::unique(imports.begin(), imports.end()), imports.end());

  // Section sizes as the firmware's map file would group them.
  int64_t text = 0, rodata = 0, data = 0, bss = 0;
  if (auto *elf = llvm::dyn_cast<llvm::object::ELFObjectFileBase>(object->get())) {
    for (const llvm::object::SectionRef &s : elf->sections()) {
      llvm::object::ELFSectionRef section(s);
      uint64_t f = section.getFlags();
      if (!(f & llvm::ELF::SHF_ALLOC))
        continue;
      int64_t size = s.getSize();
      if (f & llvm::ELF::SHF_EXECINSTR)
        text += size;
      else if (!(f & llvm::ELF::SHF_WRITE))
        rodata += size;
      else if (section.getType() == llvm::ELF::SHT_NOBITS)
        bss += size;
      else
        data += size;
    }
  }
  nlohmann::ordered_json size = {{"text", text}, {"rodata", rodata}, {"data", data}, {"bss", bss}};
  out.manifestSections.push_back({"code_size", size.dump()});
  out.manifestSections.push_back({"imports", nlohmann::ordered_json(imports).dump()});
  out.notes.push_back("a static library for bare-metal firmware: link model.a with your startup "
                      "code and C library; call autoglm_model_run (model.h) with an arena of "
                      "AUTOGLM_MODEL_ARENA_BYTES");

  auto member = llvm::NewArchiveMember::getFile(objectPath, /*Deterministic=*/true);
  if (!member) {
    error = "cannot read " + objectPath + ": " + llvm::toString(member.takeError());
    return failure();
  }
  // Not the scratch path: the same model gives the same bytes.
  member->MemberName = "model.o";
  if (llvm::Error e = llvm::writeArchive(
          outputPath, {std::move(*member)}, llvm::SymtabWritingMode::NormalSymtab,
          llvm::object::Archive::K_GNU, /*Deterministic=*/true, /*Thin=*/false)) {
    error = "cannot write " + outputPath + ": " + llvm::toString(std::move(e));
    return failure();
  }
  return success();
}
