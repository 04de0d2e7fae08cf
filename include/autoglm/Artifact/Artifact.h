//===- Artifact.h - the deployable artifact directory --------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// An artifact is a directory:
//   model.so        the compiled model (weights in its read-only data)
//   model.h         a C header naming the entry point, inputs and outputs
//   manifest.json   what was compiled, how, for which target, and the
//                   sha256 of every file (the runtime checks them at load)
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_ARTIFACT_ARTIFACT_H
#define AUTOGLM_ARTIFACT_ARTIFACT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mlir::autoglm {

constexpr int kManifestSchemaVersion = 1;
/// The calling convention of a CPU library's entry point (the order and
/// meaning of its pointer arguments); a runtime refuses an artifact whose
/// ABI is newer than its own. Absent from a manifest: 1.
constexpr int kEntryAbiVersion = 1;
/// The entry ABI of a library whose weights are in weights.bin: a trailing
/// pointer to them after the arena.
constexpr int kExternalWeightsAbiVersion = 2;
/// weights.bin's name in an artifact.
constexpr const char *kExternalWeightsFile = "weights.bin";

struct TensorSpec {
  std::string name;
  std::string dtype; // "float32", "int64", "bool", ...
  std::vector<int64_t> shape;     // -1 for an extent that depends on the data
  std::vector<int64_t> maxShape;  // its bound when shape has -1 (else empty)
  /// An input's least extents (dynamic_shape's min; 0 for an open extent
  /// without one, the extent itself for a fixed one), when any open one has
  /// a min above 0 (else empty).
  std::vector<int64_t> minShape;
  int64_t bytes = 0;              // of the (bounding) shape
  int64_t elementBytes = 0;
  /// An input's open extents that ONNX names (dim_param), "" elsewhere:
  /// inputs naming the same extent must agree (the runtime checks it).
  std::vector<std::string> dimParams;
};

/// A buffer the entry point takes after the inputs (module attribute
/// `autoglm.hidden_inputs`: "shape", the extents of input `output` whose
/// shape has -1) or after the outputs (`autoglm.hidden_results`, in order):
///  - "shape": the actual extents (int64[rank]) of output `output`, whose
///    shape has -1;
///  - "storage": `count` pointers to blocks the model allocated with malloc
///    (string bytes); the runtime frees them before the next run.
struct HiddenResult {
  std::string kind;
  int64_t output = -1, count = 0, bytes = 0;
};

struct ArtifactInfo {
  std::string modelName;    // file name of the source model
  std::string modelSha256;  // of the source model bytes
  std::string pipeline;     // the pass pipeline as text
  /// The --target name, its family ("cpu") and LLVM's triple, CPU, features.
  std::string target = "host", family = "cpu", triple, cpu, features;
  /// Every ISA feature the code may use (enabledTargetFeatures): the
  /// runtime refuses the library on a machine without one of them.
  std::vector<std::string> requiredFeatures;
  int optLevel = 0;
  std::string precision = "fp32";
  std::vector<TensorSpec> inputs, outputs;
  std::vector<HiddenResult> hiddenInputs, hidden;
  /// The model takes a status buffer (int32[1]) right after its inputs and
  /// stores the 1-based code of a failed run-time check into it; `checks`
  /// says what each code means.
  bool status = false;
  std::vector<std::string> checks;
  /// --profile: the timed regions of the model function, each named by the
  /// ONNX nodes it computes (autoglm-cpu-profile-marks).
  std::vector<std::string> profileRegions;
  int64_t weightBytes = 0;  // constant data in the library
  /// Bytes of weights.bin (autoglm-cpu-external-weights): the entry then
  /// takes one more pointer, after the arena, to them (abi_version 2).
  int64_t externalWeightsBytes = 0;
  /// The temporaries' arena (one buffer after the outputs when > 0) and
  /// what the temporaries would take without sharing.
  int64_t arenaBytes = 0, naiveTempBytes = 0;
  /// The most temporary bytes live at one op: the least any arena can be.
  int64_t peakLiveBytes = 0;
  /// Shape specialization asked for (--dim, --input-shape).
  std::map<std::string, int64_t> dims;
  std::map<std::string, std::vector<int64_t>> inputShapes;
  std::vector<std::string> notes;
  /// The library's name in the artifact (a GPU target's code object:
  /// "kernels.ptx") and manifest sections a backend adds (key, JSON text).
  std::string libraryName = "model.so";
  /// TargetDescription::artifactKind ("static-library" for bare metal).
  /// The header of a CPU artifact with static shapes (every bare-metal one)
  /// adds autoglm_model_run: the entry with a caller's arena, no runtime.
  std::string artifactKind = "shared-library";
  std::vector<std::pair<std::string, std::string>> manifestSections;
  /// Files copied into the artifact beside the library: (name, source path).
  std::vector<std::pair<std::string, std::string>> extraFiles;
};

/// The dtype name of an element type (signless ints read as signed unless
/// `isUnsigned`), or empty if the runtime cannot carry it.
std::string dtypeName(Type elementType);

/// Inputs and outputs of the model function `funcName` of an imported
/// (autoglm-level) module, with names from `autoglm.name`.
FailureOr<std::pair<std::vector<TensorSpec>, std::vector<TensorSpec>>>
collectSignature(ModuleOp module, llvm::StringRef funcName);

/// The hidden inputs and results the lowering recorded
/// (`autoglm.hidden_inputs`, `autoglm.hidden_results`), with the bounds of
/// outputs whose open extents follow from open inputs.
LogicalResult collectHidden(ModuleOp module, ArtifactInfo &info);

/// Bytes of constant tensors in the module (weights).
int64_t constantBytes(ModuleOp module);

/// The manifest's interface keys (tensors, hidden buffers, status checks,
/// arena size, entry ABI) as the runtime compares them with the library's
/// `autoglm_interface` string (runtime/src/interface.h).
std::string renderInterface(const ArtifactInfo &info);

/// The manifest without the "files" section (what the compiler decided).
std::string renderManifest(const ArtifactInfo &info,
                           const std::vector<std::pair<std::string, std::string>> &files);
std::string renderHeader(const ArtifactInfo &info);

/// sha256 of bytes, lowercase hex.
std::string sha256Hex(llvm::StringRef bytes);

/// Writes the artifact atomically: everything goes to a fresh temporary
/// directory next to `dir`, which replaces `dir` only when complete.
/// `libraryPath` is a linked shared library that is moved in.
LogicalResult writeArtifact(const std::string &dir, const ArtifactInfo &info,
                            const std::string &libraryPath, std::string &error);

} // namespace mlir::autoglm

#endif // AUTOGLM_ARTIFACT_ARTIFACT_H
