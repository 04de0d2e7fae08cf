//===- Artifact.cpp - the deployable artifact directory -------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Artifact/Artifact.h"
#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"
#include "autoglm/Support/ModelFunction.h"
#include "interface.h"

#include <openssl/evp.h>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace mlir;
using namespace mlir::autoglm;

#ifndef AUTOGLM_VERSION
#define AUTOGLM_VERSION "0.0.0"
#endif

std::string mlir::autoglm::dtypeName(Type t) {
  if (t.isF32())
    return "float32";
  if (t.isF64())
    return "float64";
  if (t.isF16())
    return "float16";
  if (t.isBF16())
    return "bfloat16";
  if (t.isInteger(1))
    return "bool";
  if (isa<StringType>(t))
    return "string";
  if (auto i = dyn_cast<IntegerType>(t)) {
    unsigned w = i.getWidth();
    if (w != 8 && w != 16 && w != 32 && w != 64)
      return "";
    return fmt::format("{}int{}", i.isUnsigned() ? "u" : "", w);
  }
  return "";
}

/// A string element is a pointer (`const char *`); the CPU targets are
/// 64-bit.
static int64_t elementBytes(Type t) {
  if (isa<StringType>(t))
    return 8;
  return t.isInteger(1) ? 1 : (t.getIntOrFloatBitWidth() + 7) / 8;
}

FailureOr<std::pair<std::vector<TensorSpec>, std::vector<TensorSpec>>>
mlir::autoglm::collectSignature(ModuleOp module, llvm::StringRef funcName) {
  func::FuncOp func = lookupModelFunction(module, funcName);
  if (!func)
    return failure();
  auto ret = func.getBody().back().getTerminator();
  auto dimBounds = module->getAttrOfType<DictionaryAttr>("autoglm.dim_bounds");
  auto spec = [&](Type t, DictionaryAttr attrs, std::string fallback,
                  TensorSpec &out, Value produced) -> LogicalResult {
    auto tt = dyn_cast<RankedTensorType>(t);
    std::optional<SmallVector<int64_t>> bound;
    if (tt && !tt.hasStaticShape() && produced)
      bound = resultBound(produced);
    // An output's bound is known once the lowering derived it
    // (collectHidden; data-dependent extents downstream of a bounded op,
    // or extents that follow from open inputs); an input's with --max-dim
    // bounds is known here.
    bool deferred = false;
    if (tt && !tt.hasStaticShape() && !bound && (produced || dimBounds)) {
      auto params = attrs ? attrs.getAs<ArrayAttr>("autoglm.dim_params") : ArrayAttr();
      if (produced) {
        deferred = true;
      } else if (params) {
        SmallVector<int64_t> b(tt.getShape());
        bool all = true;
        for (int64_t d = 0; d < tt.getRank(); ++d)
          if (tt.isDynamicDim(d)) {
            auto v = d < (int64_t)params.size()
                         ? dimBounds.getAs<IntegerAttr>(cast<StringAttr>(params[d]).getValue())
                         : IntegerAttr();
            all &= (bool)v;
            if (v)
              b[d] = v.getInt();
          }
        if (all)
          bound = b;
      }
    }
    auto name = attrs ? attrs.getAs<StringAttr>("autoglm.name") : StringAttr();
    out.name = name ? name.str() : fallback;
    if (!tt || (!tt.hasStaticShape() && !bound && !deferred)) {
      std::string fix, keep;
      if (auto params = attrs ? attrs.getAs<ArrayAttr>("autoglm.dim_params") : ArrayAttr())
        for (Attribute p : params)
          if (auto s = cast<StringAttr>(p); !s.getValue().empty()) {
            fix += fmt::format("{}--dim {}=<extent>", fix.empty() ? "" : " ", s.getValue().str());
            keep += fmt::format("{}--max-dim {}=<bound>", keep.empty() ? "" : " ",
                                s.getValue().str());
          }
      if (fix.empty() && !produced)
        fix = fmt::format("--input-shape {}=<AxB...>", out.name);
      auto diag = func.emitError() << "'" << out.name << "' has open extents (" << t << ")";
      if (fix.empty())
        diag << " that the CPU backend cannot bound";
      else
        diag << ": fix them with " << fix
             << (keep.empty() ? "" : ", or keep them open up to a bound with " + keep);
      return diag;
    }
    out.dtype = dtypeName(tt.getElementType());
    if (out.dtype.empty())
      return func.emitError() << "'" << fallback << "' has unsupported element type "
                              << tt.getElementType();
    for (int64_t d : tt.getShape())
      out.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    ArrayRef<int64_t> dims = tt.getShape();
    if (bound) {
      out.maxShape.assign(bound->begin(), bound->end());
      dims = *bound;
    }
    out.elementBytes = elementBytes(tt.getElementType());
    if (auto params = !produced && attrs ? attrs.getAs<ArrayAttr>("autoglm.dim_params")
                                         : ArrayAttr())
      if (!tt.hasStaticShape()) {
        for (auto [d, p] : llvm::enumerate(params))
          out.dimParams.push_back(tt.isDynamicDim(d) ? cast<StringAttr>(p).str() : "");
        // dynamic_shape's min of each open extent: the runtime refuses less.
        if (auto mins = module->getAttrOfType<DictionaryAttr>("autoglm.dim_mins")) {
          std::vector<int64_t> least(tt.getShape());
          bool any = false;
          for (auto [d, p] : llvm::enumerate(params))
            if (tt.isDynamicDim(d)) {
              auto v = mins.getAs<IntegerAttr>(cast<StringAttr>(p).getValue());
              least[d] = v ? v.getInt() : 0;
              any |= least[d] > 0;
            }
          if (any)
            out.minShape = least;
        }
      }
    out.bytes = deferred ? 0 : ShapedType::getNumElements(dims) * out.elementBytes;
    return success();
  };
  std::vector<TensorSpec> ins, outs;
  FunctionType ft = func.getFunctionType();
  for (unsigned i = 0; i < ft.getNumInputs(); ++i) {
    TensorSpec s;
    if (failed(spec(ft.getInput(i), func.getArgAttrDict(i), fmt::format("input{}", i), s,
                    Value())))
      return failure();
    ins.push_back(s);
  }
  for (unsigned i = 0; i < ft.getNumResults(); ++i) {
    TensorSpec s;
    if (failed(spec(ft.getResult(i), func.getResultAttrDict(i),
                    fmt::format("output{}", i), s, ret->getOperand(i))))
      return failure();
    outs.push_back(s);
  }
  return std::make_pair(ins, outs);
}

int64_t mlir::autoglm::constantBytes(ModuleOp module) {
  int64_t total = 0;
  module.walk([&](ConstantOp c) {
    auto t = c.getType();
    if (t.hasStaticShape())
      total += t.getNumElements() * elementBytes(t.getElementType());
  });
  return total;
}

std::string mlir::autoglm::sha256Hex(llvm::StringRef bytes) {
  // Not llvm::SHA256: its 32-bit byte count gets inputs of 512 MiB and more
  // wrong, and the runtime (OpenSSL) would refuse such a weights.bin.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  std::string s;
  for (unsigned i = 0; i < len; ++i)
    s += fmt::format("{:02x}", digest[i]);
  return s;
}

LogicalResult mlir::autoglm::collectHidden(ModuleOp module, ArtifactInfo &info) {
  auto read = [&](StringRef attr, std::vector<TensorSpec> &specs, StringRef key,
                  std::vector<HiddenResult> &out) -> LogicalResult {
    auto list = module->getAttrOfType<ArrayAttr>(attr);
    for (Attribute a : list ? list : ArrayAttr::get(module.getContext(), {})) {
      auto d = cast<DictionaryAttr>(a);
      HiddenResult h;
      h.kind = d.getAs<StringAttr>("kind").getValue().str();
      if (h.kind == "shape") {
        h.output = d.getAs<IntegerAttr>(key).getInt();
        if (h.output < 0 || h.output >= (int64_t)specs.size())
          return module.emitError() << "hidden shape for " << key << " " << h.output
                                    << ", which does not exist";
        TensorSpec &s = specs[h.output];
        if (auto b = d.getAs<DenseI64ArrayAttr>("max_shape"); b && s.maxShape.empty()) {
          s.maxShape.assign(b.asArrayRef().begin(), b.asArrayRef().end());
          s.bytes = ShapedType::getNumElements(b.asArrayRef()) * s.elementBytes;
        }
        h.bytes = 8 * (int64_t)s.shape.size();
      } else {
        h.count = d.getAs<IntegerAttr>("count").getInt();
        h.bytes = 8 * h.count;
      }
      out.push_back(h);
    }
    for (size_t i = 0; i < specs.size(); ++i) {
      bool open = llvm::is_contained(specs[i].shape, -1);
      bool reported = llvm::any_of(out, [&](const HiddenResult &h) {
        return h.kind == "shape" && h.output == (int64_t)i;
      });
      if (open != reported || (open && specs[i].maxShape.empty()))
        return module.emitError() << key << " '" << specs[i].name
                                  << "' has open extents the lowering does not bound";
    }
    return success();
  };
  info.hidden.clear();
  info.hiddenInputs.clear();
  info.status = (bool)module->getAttr("autoglm.status");
  info.checks.clear();
  if (auto checks = module->getAttrOfType<ArrayAttr>("autoglm.checks"))
    for (Attribute c : checks)
      info.checks.push_back(cast<StringAttr>(c).str());
  info.profileRegions.clear();
  if (auto regions = module->getAttrOfType<ArrayAttr>("autoglm.profile"))
    for (Attribute r : regions)
      info.profileRegions.push_back(cast<StringAttr>(r).str());
  return failure(failed(read("autoglm.hidden_inputs", info.inputs, "input", info.hiddenInputs)) ||
                 failed(read("autoglm.hidden_results", info.outputs, "output", info.hidden)));
}

static nlohmann::ordered_json specJson(const TensorSpec &s) {
  nlohmann::ordered_json j = {{"name", s.name}, {"dtype", s.dtype}, {"shape", s.shape}};
  if (!s.maxShape.empty())
    j["max_shape"] = s.maxShape;
  if (!s.minShape.empty())
    j["min_shape"] = s.minShape;
  if (llvm::any_of(s.dimParams, [](const std::string &p) { return !p.empty(); }))
    j["dim_params"] = s.dimParams;
  j["bytes"] = s.bytes;
  return j;
}

std::string mlir::autoglm::renderManifest(
    const ArtifactInfo &info,
    const std::vector<std::pair<std::string, std::string>> &files) {
  nlohmann::ordered_json j;
  j["schema_version"] = kManifestSchemaVersion;
  j["model"] = {{"file", info.modelName}, {"sha256", info.modelSha256}};
  j["compiler"] = {{"name", "autoglm-compile"}, {"version", AUTOGLM_VERSION},
                   {"llvm", LLVM_VERSION_STRING}};
  j["target"] = {{"name", info.target}, {"kind", info.family},       {"triple", info.triple},
                 {"cpu", info.cpu},     {"features", info.features}, {"opt_level", info.optLevel}};
  if (!info.requiredFeatures.empty())
    j["target"]["requires"] = info.requiredFeatures;
  if (info.precision != "fp32")
    j["target"]["precision"] = info.precision;
  if (!info.dims.empty() || !info.inputShapes.empty())
    j["specialization"] = {{"dims", info.dims}, {"input_shapes", info.inputShapes}};
  j["pipeline"] = info.pipeline;
  if (info.family == "cpu") {
    j["entry_point"] = "autoglm_entry";
    j["abi_version"] =
        info.externalWeightsBytes > 0 ? kExternalWeightsAbiVersion : kEntryAbiVersion;
    if (info.externalWeightsBytes > 0)
      j["weights"] = {{"file", kExternalWeightsFile}, {"bytes", info.externalWeightsBytes}};
  }
  j["library"] = info.libraryName;
  nlohmann::ordered_json ins = nlohmann::ordered_json::array(),
                         outs = nlohmann::ordered_json::array();
  int64_t ioBytes = 0;
  for (const auto &s : info.inputs) {
    ins.push_back(specJson(s));
    ioBytes += s.bytes;
  }
  for (const auto &s : info.outputs) {
    outs.push_back(specJson(s));
    ioBytes += s.bytes;
  }
  j["inputs"] = ins;
  j["outputs"] = outs;
  if (info.status)
    j["status"] = {{"checks", info.checks}};
  if (!info.profileRegions.empty())
    j["profile"] = {{"regions", info.profileRegions}};
  if (!info.hiddenInputs.empty()) {
    nlohmann::ordered_json hs = nlohmann::ordered_json::array();
    for (const auto &h : info.hiddenInputs)
      hs.push_back({{"kind", h.kind}, {"input", h.output}, {"bytes", h.bytes}});
    j["hidden_inputs"] = hs;
  }
  if (!info.hidden.empty()) {
    nlohmann::ordered_json hs = nlohmann::ordered_json::array();
    for (const auto &h : info.hidden) {
      nlohmann::ordered_json e = {{"kind", h.kind}};
      if (h.kind == "shape")
        e["output"] = h.output;
      else
        e["count"] = h.count;
      e["bytes"] = h.bytes;
      hs.push_back(e);
    }
    j["hidden_outputs"] = hs;
  }
  j["memory"] = {{"weights_bytes", info.weightBytes},
                 {"io_bytes", ioBytes},
                 {"arena_bytes", info.arenaBytes},
                 {"peak_live_bytes", info.peakLiveBytes},
                 {"naive_temp_bytes", info.naiveTempBytes}};
  for (const auto &[key, text] : info.manifestSections)
    j[key] = nlohmann::ordered_json::parse(text);
  if (!info.notes.empty())
    j["notes"] = info.notes;
  nlohmann::ordered_json f = nlohmann::ordered_json::object();
  for (const auto &[name, sha] : files)
    f[name] = {{"sha256", sha}};
  j["files"] = f;
  return j.dump(2) + "\n";
}

std::string mlir::autoglm::renderInterface(const ArtifactInfo &info) {
  return ::autoglm::rt::renderInterface(nlohmann::json::parse(renderManifest(info, {})));
}

static std::string cIdent(const std::string &s) {
  std::string r;
  for (char c : s)
    r += isalnum((unsigned char)c) ? c : '_';
  if (r.empty() || isdigit((unsigned char)r[0]))
    r = "_" + r;
  return r;
}

/// autoglm_model_run for CPU artifacts with static shapes (all bare-metal
/// ones: the session refused hidden buffers there), so the call is the
/// inputs, the status word when the model has run-time checks, the outputs
/// and the arena, after checking the arena is large and aligned enough.
static std::string renderBareMetalRun(const ArtifactInfo &info) {
  std::string h;
  h += "\n/* Calling the model without the runtime (on a microcontroller, the\n"
       " * only way). `arena` is caller memory of at least\n"
       " * AUTOGLM_MODEL_ARENA_BYTES bytes, 8-byte aligned (64 is best), holding\n"
       " * every temporary of a run (nothing is allocated); `inputs` and `outputs`\n"
       " * hold one pointer per tensor in the order above, each buffer its\n"
       " * tensor's _BYTES, 4-byte aligned or more. Returns AUTOGLM_MODEL_OK, or\n"
       " * why nothing ran (a null pointer, an arena too small or misaligned),\n"
       " * or AUTOGLM_MODEL_ERR_CHECK + the 1-based code of a failed run-time\n"
       " * check (manifest.json status.checks). Reentrant with distinct arenas\n"
       " * and outputs. */\n";
  // Sizes by position, for generic callers (a test runner, a DMA setup).
  auto sizes = [&](const char *what, const std::vector<TensorSpec> &specs) {
    int64_t total = 0;
    std::string list;
    for (const TensorSpec &s : specs) {
      list += fmt::format("{}{}", list.empty() ? "" : ", ", s.bytes);
      total += s.bytes;
    }
    h += fmt::format("#define AUTOGLM_MODEL_{}S_TOTAL_BYTES {}\n", what, total);
    // An initializer: `unsigned long b[] = AUTOGLM_MODEL_INPUT_BYTES_LIST;`.
    h += fmt::format("#define AUTOGLM_MODEL_{}_BYTES_LIST {{{}}}\n", what,
                     list.empty() ? "0" : list);
  };
  sizes("INPUT", info.inputs);
  sizes("OUTPUT", info.outputs);
  h += "#define AUTOGLM_MODEL_OK 0\n#define AUTOGLM_MODEL_ERR_NULL 1\n"
       "#define AUTOGLM_MODEL_ERR_ARENA_SIZE 2\n#define AUTOGLM_MODEL_ERR_ARENA_ALIGN 3\n"
       "#define AUTOGLM_MODEL_ERR_CHECK 16\n\n";
  bool weights = info.externalWeightsBytes > 0;
  size_t n = info.inputs.size() + (info.status ? 1 : 0) + info.outputs.size() +
             (info.arenaBytes > 0 ? 1 : 0) + (weights ? 1 : 0);
  h += "static inline int autoglm_model_run(void *arena, unsigned long arena_bytes,\n"
       "                                    void *const *inputs, void *const *outputs";
  // weights.bin's bytes, read or mapped by the caller.
  h += weights ? ",\n                                    const void *weights) {\n" : ") {\n";
  h += fmt::format("  void *buffers[{}];\n  unsigned i, n = 0;\n", std::max<size_t>(n, 1));
  if (info.status)
    h += "  int32_t status = 0;\n";
  h += "  if ((AUTOGLM_MODEL_NUM_INPUTS && !inputs) || (AUTOGLM_MODEL_NUM_OUTPUTS && !outputs))\n"
       "    return AUTOGLM_MODEL_ERR_NULL;\n";
  if (info.arenaBytes > 0)
    h +=
        "  if (!arena)\n    return AUTOGLM_MODEL_ERR_NULL;\n"
        "  if (arena_bytes < AUTOGLM_MODEL_ARENA_BYTES)\n    return AUTOGLM_MODEL_ERR_ARENA_SIZE;\n"
        "  if (((unsigned long)arena & 7u) != 0)\n    return AUTOGLM_MODEL_ERR_ARENA_ALIGN;\n";
  else
    h += "  (void)arena;\n  (void)arena_bytes;\n";
  h += "  for (i = 0; i < AUTOGLM_MODEL_NUM_INPUTS; ++i) {\n"
       "    if (!inputs[i])\n      return AUTOGLM_MODEL_ERR_NULL;\n"
       "    buffers[n++] = inputs[i];\n  }\n";
  if (info.status)
    h += "  buffers[n++] = &status;\n";
  h += "  for (i = 0; i < AUTOGLM_MODEL_NUM_OUTPUTS; ++i) {\n"
       "    if (!outputs[i])\n      return AUTOGLM_MODEL_ERR_NULL;\n"
       "    buffers[n++] = outputs[i];\n  }\n";
  if (info.arenaBytes > 0)
    h += "  buffers[n++] = arena;\n";
  if (weights)
    h += "  if (!weights || ((unsigned long)weights & 63u) != 0)\n"
         "    return AUTOGLM_MODEL_ERR_NULL;\n"
         "  buffers[n++] = (void *)weights;\n";
  h += "  autoglm_entry(buffers);\n";
  h += info.status ? "  return status ? AUTOGLM_MODEL_ERR_CHECK + status : AUTOGLM_MODEL_OK;\n}\n"
                   : "  return AUTOGLM_MODEL_OK;\n}\n";
  return h;
}

std::string mlir::autoglm::renderHeader(const ArtifactInfo &info) {
  std::string h;
  h += "/* Generated by autoglm-compile " AUTOGLM_VERSION " from " + info.modelName +
       ". Do not edit. */\n";
  h += "#ifndef AUTOGLM_MODEL_H\n#define AUTOGLM_MODEL_H\n\n#include <stdint.h>\n\n";
  h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += "/* buffers: one pointer per input; when AUTOGLM_MODEL_HAS_STATUS, an\n"
       " * int32_t the caller zeroes, where the model stores the 1-based code of a\n"
       " * failed run-time check (manifest.json status.checks says which); then\n"
       " * AUTOGLM_MODEL_NUM_HIDDEN_INPUTS\n"
       " * more: for an input with an extent of -1 (any extent up to its bound,\n"
       " * dense at the start of the buffer), an int64_t array with its actual\n"
       " * extents. Then one pointer per output, in the order\n"
       " * below; each holds the tensor densely in row-major order (a string\n"
       " * tensor as an array of `const char *`, NUL-terminated UTF-8). Then\n"
       " * AUTOGLM_MODEL_NUM_HIDDEN more (see HIDDEN below): for an output with\n"
       " * an extent of -1, an int64_t array that receives its actual extents\n"
       " * (its buffer is sized for the bound, filled from the start); for\n"
       " * \"storage\", an array of pointers the model set to blocks it took with\n"
       " * malloc (the bytes of string outputs): free() them when done with the\n"
       " * outputs. When AUTOGLM_MODEL_ARENA_BYTES is not 0, one more pointer\n"
       " * follows: scratch memory of that size, 64-byte aligned, for the\n"
       " * model's temporaries. The call is reentrant: concurrent calls need\n"
       " * distinct output, hidden and arena buffers. */\n";
  h += "void autoglm_entry(void **buffers);\n\n";
  h += fmt::format("#define AUTOGLM_MODEL_NUM_INPUTS {}\n", info.inputs.size());
  h += fmt::format("#define AUTOGLM_MODEL_NUM_OUTPUTS {}\n", info.outputs.size());
  h += fmt::format("#define AUTOGLM_MODEL_HAS_STATUS {}\n", info.status ? 1 : 0);
  h += fmt::format("#define AUTOGLM_MODEL_NUM_HIDDEN_INPUTS {}\n", info.hiddenInputs.size());
  h += fmt::format("#define AUTOGLM_MODEL_NUM_HIDDEN {}\n", info.hidden.size());
  h += fmt::format("#define AUTOGLM_MODEL_ARENA_BYTES {}\n", info.arenaBytes);
  if (info.externalWeightsBytes > 0)
    h += fmt::format("/* The model's weights are in {0}, not in the library: one last pointer,\n"
                     " * after the arena, to its {1} bytes (read or mapped, 64-byte aligned). */\n"
                     "#define AUTOGLM_MODEL_WEIGHTS_BYTES {1}\n",
                     kExternalWeightsFile, info.externalWeightsBytes);
  h += "\n";
  auto emit = [&](const char *kind, size_t i, const TensorSpec &s) {
    std::string id = cIdent(s.name);
    std::string dims;
    for (size_t d = 0; d < s.shape.size(); ++d)
      dims += fmt::format("{}{}", d ? ", " : "", s.shape[d]);
    if (!s.maxShape.empty()) {
      dims += "] at most [";
      for (size_t d = 0; d < s.maxShape.size(); ++d)
        dims += fmt::format("{}{}", d ? ", " : "", s.maxShape[d]);
    }
    h += fmt::format("/* {} {}: \"{}\" {}[{}] */\n", kind, i, s.name, s.dtype, dims);
    h += fmt::format("#define AUTOGLM_{}_{}_INDEX {}\n", kind, id, i);
    h += fmt::format("#define AUTOGLM_{}_{}_BYTES {}\n", kind, id, s.bytes);
    h += fmt::format("#define AUTOGLM_{}_{}_RANK {}\n", kind, id, s.shape.size());
  };
  for (size_t i = 0; i < info.inputs.size(); ++i)
    emit("INPUT", i, info.inputs[i]);
  for (size_t i = 0; i < info.outputs.size(); ++i)
    emit("OUTPUT", i, info.outputs[i]);
  for (size_t i = 0; i < info.hiddenInputs.size(); ++i)
    h += fmt::format("/* HIDDEN INPUT {}: extents of input {} (int64_t[{}]), after the "
                     "inputs */\n",
                     i, info.hiddenInputs[i].output, info.hiddenInputs[i].bytes / 8);
  for (size_t i = 0; i < info.hidden.size(); ++i) {
    const HiddenResult &hr = info.hidden[i];
    h += hr.kind == "shape"
             ? fmt::format("/* HIDDEN {}: extents of output {} (int64_t[{}]) */\n", i,
                           hr.output, hr.bytes / 8)
             : fmt::format("/* HIDDEN {}: storage, {} malloc'd block pointer(s) */\n", i,
                           hr.count);
    h += fmt::format("#define AUTOGLM_HIDDEN_{}_BYTES {}\n", i, hr.bytes);
  }
  // Static shapes on a CPU: callable without the runtime (bare metal must).
  if (info.family == "cpu" && info.hiddenInputs.empty() && info.hidden.empty())
    h += renderBareMetalRun(info);
  h += "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* AUTOGLM_MODEL_H */\n";
  return h;
}

static LogicalResult writeFile(const std::string &path, llvm::StringRef bytes,
                               std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    error = "cannot write " + path + ": " + ec.message();
    return failure();
  }
  os << bytes;
  return success();
}

LogicalResult mlir::autoglm::writeArtifact(const std::string &dir,
                                           const ArtifactInfo &info,
                                           const std::string &libraryPath,
                                           std::string &error) {
  llvm::SmallString<256> tmp(dir);
  llvm::sys::fs::make_absolute(tmp);
  llvm::sys::path::remove_dots(tmp, true);
  if (tmp.ends_with("/"))
    tmp.pop_back();
  // A unique sibling, so concurrent compiles never share a scratch folder.
  if (auto ec = llvm::sys::fs::create_directories(llvm::sys::path::parent_path(tmp))) {
    error = "cannot create the parent folder of " + dir + ": " + ec.message();
    return failure();
  }
  llvm::SmallString<256> unique;
  if (auto ec = llvm::sys::fs::createUniqueDirectory(tmp + ".tmp", unique)) {
    error = "cannot create a folder next to " + dir + ": " + ec.message();
    return failure();
  }
  std::string tmpDir = unique.str().str();
  auto fail = [&]() {
    llvm::sys::fs::remove_directories(tmpDir);
    return failure();
  };
  auto lib = llvm::MemoryBuffer::getFile(libraryPath, false, false);
  if (!lib) {
    error = "cannot read the linked library";
    return fail();
  }
  std::string header = renderHeader(info);
  std::vector<std::pair<std::string, std::string>> files = {
      {info.libraryName, sha256Hex((*lib)->getBuffer())}, {"model.h", sha256Hex(header)}};
  for (const auto &[name, source] : info.extraFiles) {
    auto extra = llvm::MemoryBuffer::getFile(source, false, false);
    if (!extra) {
      error = "cannot read " + source;
      return fail();
    }
    files.push_back({name, sha256Hex((*extra)->getBuffer())});
    if (failed(writeFile(tmpDir + "/" + name, (*extra)->getBuffer(), error)))
      return fail();
  }
  if (failed(writeFile(tmpDir + "/" + info.libraryName, (*lib)->getBuffer(), error)) ||
      failed(writeFile(tmpDir + "/model.h", header, error)) ||
      failed(writeFile(tmpDir + "/manifest.json", renderManifest(info, files), error)))
    return fail();
  llvm::sys::fs::remove_directories(dir);
  if (auto ec = llvm::sys::fs::rename(tmpDir, dir)) {
    error = "cannot move the artifact into place at " + dir + ": " + ec.message();
    return fail();
  }
  return success();
}
