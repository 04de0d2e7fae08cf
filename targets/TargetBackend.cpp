//===- TargetBackend.cpp - the target registry ---------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Target/TargetBackend.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <mutex>

using namespace mlir;
using namespace mlir::autoglm;

TargetBackend::~TargetBackend() = default;

FailureOr<TargetDescription> TargetBackend::resolve(const TargetOverrides &overrides,
                                                    std::string &error) const {
  TargetDescription d = description();
  if (!overrides.cpu.empty())
    d.cpu = overrides.cpu;
  if (!overrides.features.empty())
    d.features = overrides.features;
  return d;
}

namespace {
struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<TargetBackend>> backends;
  /// Replaced backends stay alive: a caller may still hold one.
  std::vector<std::unique_ptr<TargetBackend>> replaced;
};
Registry &registry() {
  static Registry r;
  return r;
}
} // namespace

void mlir::autoglm::registerTargetBackend(std::unique_ptr<TargetBackend> backend) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const std::string &name = backend->description().name;
  for (auto &b : r.backends)
    if (b->description().name == name) {
      r.replaced.push_back(std::move(b));
      b = std::move(backend);
      return;
    }
  r.backends.push_back(std::move(backend));
}

const TargetBackend *mlir::autoglm::lookupTargetBackend(llvm::StringRef name) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto &b : r.backends)
    if (b->description().name == name)
      return b.get();
  return nullptr;
}

std::vector<const TargetBackend *> mlir::autoglm::getTargetBackends() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<const TargetBackend *> out;
  for (auto &b : r.backends)
    out.push_back(b.get());
  return out;
}

std::string mlir::autoglm::targetNames() {
  std::vector<std::string> names;
  for (const TargetBackend *b : getTargetBackends())
    names.push_back(b->description().name);
  return llvm::join(names, ", ");
}
