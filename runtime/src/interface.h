//===- interface.h - the part of a manifest the library must agree with ---===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A CPU library's entry point reads and writes its tensors, hidden extents,
// status word and arena exactly as the compiler laid them out; the manifest
// describes that layout to the runtime. manifest.json is plain text beside
// the hashed files, so an edited one (a batch extent "fixed" by hand, a
// smaller arena) would have the runtime hand the code buffers of the wrong
// size. The compiler therefore also writes the layout into the library, as
// the string symbol `autoglm_interface`, and the runtime compares the two at
// load. Both sides render it with this function from the manifest's JSON:
// the interface keys, compact, keys sorted. Header-only: the runtime and
// lib/Artifact include it.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUNTIME_INTERFACE_H
#define AUTOGLM_RUNTIME_INTERFACE_H

#include <nlohmann/json.hpp>

#include <string>

namespace autoglm::rt {

/// The symbol of a CPU library holding its interface (NUL-terminated).
constexpr const char *kInterfaceSymbol = "autoglm_interface";

/// The interface of a manifest: its tensors, hidden buffers, status checks,
/// arena size and entry ABI, as compact JSON with sorted keys. Values of
/// any type are taken as they are (the loader checks them separately).
template <typename Json> std::string renderInterface(const Json &manifest) {
  nlohmann::json out = nlohmann::json::object();
  if (!manifest.is_object())
    return out.dump();
  for (const char *key : {"inputs", "outputs", "status", "hidden_inputs", "hidden_outputs",
                          "abi_version", "profile", "weights"})
    if (manifest.contains(key))
      out[key] = nlohmann::json::parse(manifest[key].dump());
  if (manifest.contains("memory") && manifest["memory"].is_object() &&
      manifest["memory"].contains("arena_bytes"))
    out["arena_bytes"] = nlohmann::json::parse(manifest["memory"]["arena_bytes"].dump());
  return out.dump();
}

} // namespace autoglm::rt

#endif // AUTOGLM_RUNTIME_INTERFACE_H
