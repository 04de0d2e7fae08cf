//===- GPUBackend.cpp - NVIDIA GPU targets and the launch plan -------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The lowered module keeps the model function on the host: kernel launches
// over views of its arguments (inputs, outputs, the arena) and of
// memref.globals (the weights). buildLaunchPlan turns it into the manifest's
// "gpu" section: every view is resolved to (buffer, byte offset) at compile
// time, because the kernels take bare pointers and read their static
// layout (offset, strides) from their own types.
//===----------------------------------------------------------------------===//

#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Support/ConstantData.h"
#include "autoglm/Target/GPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

#include "mlir/Target/LLVM/ROCDL/Target.h"
#include "mlir/Target/LLVMIR/Dialect/ROCDL/ROCDLToLLVMIRTranslation.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/BinaryFormat/MsgPackDocument.h"
#include "llvm/Object/ELF.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <nlohmann/json.hpp>

#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;

namespace {

constexpr int64_t kWeightAlign = 256;

LogicalResult fail(std::string &error, std::string msg) {
  error = std::move(msg);
  return failure();
}

std::string describe(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << op->getName() << " at " << op->getLoc();
  return s;
}

/// The bytes of a memref.global's initial value, dense in row-major order.
LogicalResult globalBytes(memref::GlobalOp g, std::string &out, std::string &error) {
  MemRefType t = g.getType();
  int64_t n = t.getNumElements();
  Type e = t.getElementType();
  int64_t width = e.isInteger(1) ? 8 : e.getIntOrFloatBitWidth();
  if (width % 8)
    return fail(error, "weight @" + g.getSymName().str() + " has elements of " +
                           std::to_string(width) + " bits, which the GPU plan cannot lay out");
  int64_t bytes = n * width / 8;
  Attribute init = g.getInitialValue().value_or(Attribute());
  if (!init || isa<UnitAttr>(init)) {
    out.assign(bytes, '\0');
    return success();
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(init)) {
    if (e.isInteger(1)) {
      out.clear();
      for (bool v : dense.getValues<bool>())
        out.push_back(v ? 1 : 0);
      if (dense.isSplat())
        out.assign(bytes, out.empty() ? 0 : out[0]);
      return success();
    }
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat()) {
      out.clear();
      out.reserve(bytes);
      for (int64_t i = 0; i < n; ++i)
        out.append(raw.data(), raw.size());
      return success();
    }
    out.assign(raw.data(), raw.size());
  } else if (auto data = constantBytes(init)) {
    out.assign(data->data(), data->size());
  } else {
    return fail(error, "weight @" + g.getSymName().str() + " has no data");
  }
  if ((int64_t)out.size() != bytes)
    return fail(error, "weight @" + g.getSymName().str() + " holds " + std::to_string(out.size()) +
                           " bytes, its type " + std::to_string(bytes));
  return success();
}

struct PlanBuilder {
  ModuleOp module;
  func::FuncOp func;
  int64_t numInputs = 0, numOutputs = 0, statusArg = -1;
  bool hasArena = false;
  int64_t arenaBytes = 0;
  std::string weights;
  llvm::StringMap<int64_t> weightOffset;
  std::string &error;

  PlanBuilder(ModuleOp m, std::string &error) : module(m), error(error) {}

  /// Appends weight `name`'s bytes to weights.bin, once.
  LogicalResult place(llvm::StringRef name) {
    if (weightOffset.count(name))
      return success();
    auto global = module.lookupSymbol<memref::GlobalOp>(name);
    if (!global)
      return fail(error, "no memref.global @" + name.str());
    std::string bytes;
    if (failed(globalBytes(global, bytes, error)))
      return failure();
    int64_t at = (weights.size() + kWeightAlign - 1) / kWeightAlign * kWeightAlign;
    weights.resize(at, '\0');
    weights += bytes;
    weightOffset[name] = at;
    return success();
  }

  /// (buffer, byte offset) of the memory a kernel argument points to.
  LogicalResult resolve(Value v, nlohmann::ordered_json &arg) {
    int64_t shift = 0;
    while (true) {
      if (auto ba = dyn_cast<BlockArgument>(v)) {
        if (ba.getOwner()->getParentOp() != func.getOperation())
          return fail(error, "a kernel argument is not a buffer of the model function");
        int64_t i = ba.getArgNumber();
        if (func.getArgAttr(i, "autoglm.status")) {
          arg = {{"buffer", "status"}, {"offset", shift}};
          return success();
        }
        // Inputs, then outputs, then the arena, not counting the status.
        if (statusArg >= 0 && i > statusArg)
          --i;
        if (i < numInputs)
          arg = {{"buffer", "input"}, {"index", i}, {"offset", shift}};
        else if (i < numInputs + numOutputs)
          arg = {{"buffer", "output"}, {"index", i - numInputs}, {"offset", shift}};
        else if (hasArena && i == numInputs + numOutputs)
          arg = {{"buffer", "arena"}, {"offset", shift}};
        else
          return fail(error, "the model function has an argument the GPU plan does not know");
        return success();
      }
      Operation *def = v.getDefiningOp();
      if (auto g = dyn_cast<memref::GetGlobalOp>(def)) {
        if (failed(place(g.getName())))
          return failure();
        arg = {{"buffer", "weights"}, {"offset", weightOffset.lookup(g.getName()) + shift}};
        return success();
      }
      if (auto view = dyn_cast<memref::ViewOp>(def)) {
        auto off = getConstantIntValue(view.getByteShift());
        if (!off)
          return fail(error, "a view at a run-time offset: " + describe(def));
        shift += *off;
        v = view.getSource();
        continue;
      }
      // The other views keep the base pointer; their element offset is in
      // the result type, which the kernel reads.
      if (isa<memref::SubViewOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
              memref::ReinterpretCastOp, memref::CastOp>(def)) {
        v = def->getOperand(0);
        continue;
      }
      // The base buffer of a view (expand-strided-metadata's form of a
      // reshape, under a reinterpret_cast that re-applies the offset): the
      // view's own base, so the same buffer and byte shift.
      if (auto md = dyn_cast<memref::ExtractStridedMetadataOp>(def);
          md && v == md.getBaseBuffer()) {
        v = md.getSource();
        continue;
      }
      return fail(error, "a kernel argument comes from " + describe(def) +
                             ", which the GPU launch plan cannot carry");
    }
  }

  LogicalResult scalar(Value v, nlohmann::ordered_json &arg) {
    Attribute a;
    if (!matchPattern(v, m_Constant(&a)))
      return fail(error, "a kernel's scalar argument is not a constant (" +
                             (v.getDefiningOp() ? describe(v.getDefiningOp()) : "an argument") +
                             ")");
    Type t = v.getType();
    if (auto i = dyn_cast<IntegerAttr>(a)) {
      if (t.isIndex() || t.isInteger(64))
        arg = {{"i64", i.getInt()}};
      else if (t.isInteger(32))
        arg = {{"i32", i.getInt()}};
      else
        return fail(error, "a kernel's scalar argument of an unsupported type");
      return success();
    }
    if (auto f = dyn_cast<FloatAttr>(a)) {
      // JSON has no inf or NaN (constants are sunk into the kernels, so a
      // scalar argument is rare; a non-finite one is refused, not mangled).
      if (!std::isfinite(f.getValueAsDouble()))
        return fail(error, "a kernel's scalar argument is not finite");
      if (t.isF32())
        arg = {{"f32", f.getValueAsDouble()}};
      else if (t.isF64())
        arg = {{"f64", f.getValueAsDouble()}};
      else
        return fail(error, "a kernel's scalar argument of an unsupported float type");
      return success();
    }
    return fail(error, "a kernel's scalar argument of an unsupported kind");
  }

  LogicalResult build(const TargetDescription &target, llvm::StringRef api,
                      nlohmann::ordered_json &out) {
    func = module.lookupSymbol<func::FuncOp>("main");
    if (!func || func.isExternal())
      return fail(error, "no lowered model function 'main'");
    auto sig = func->getAttrOfType<ArrayAttr>("autoglm.gpu.signature");
    if (!sig || sig.size() != 2)
      return fail(error,
                  "the model function lacks autoglm.gpu.signature (run autoglm-gpu-prepare)");
    numInputs = cast<IntegerAttr>(sig[0]).getInt();
    numOutputs = cast<IntegerAttr>(sig[1]).getInt();
    if (auto a = module->getAttrOfType<IntegerAttr>("autoglm.arena_bytes"))
      arenaBytes = a.getInt();
    hasArena = arenaBytes > 0;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (func.getArgAttr(i, "autoglm.status"))
        statusArg = i;
    if ((int64_t)func.getNumArguments() !=
        numInputs + numOutputs + (hasArena ? 1 : 0) + (statusArg >= 0 ? 1 : 0))
      return fail(error, "the model function takes buffers the GPU plan does not know");

    // The weights in the order the module declares them, not the order the
    // kernels first read them: the code generator's options (--gpu-tuning,
    // --precision) reorder kernels, not weights, so artifacts of one model
    // share one weights.bin (bench/run-gpu.sh links equal ones).
    llvm::StringSet<> used;
    func.walk([&](memref::GetGlobalOp g) { used.insert(g.getName()); });
    for (auto global : module.getOps<memref::GlobalOp>())
      if (used.contains(global.getSymName()) && failed(place(global.getSymName())))
        return failure();
    nlohmann::ordered_json kernels = nlohmann::ordered_json::array();
    nlohmann::ordered_json launches = nlohmann::ordered_json::array();
    llvm::StringMap<int64_t> kernelIndex;
    for (Operation &op : func.getBody().front()) {
      if (isa<func::ReturnOp, memref::GetGlobalOp, memref::ViewOp, memref::SubViewOp,
              memref::ExpandShapeOp, memref::CollapseShapeOp, memref::ReinterpretCastOp,
              memref::CastOp>(op) ||
          (op.getNumRegions() == 0 && isMemoryEffectFree(&op)))
        continue;
      auto launch = dyn_cast<gpu::LaunchFuncOp>(op);
      if (!launch)
        return fail(error, "the GPU model function still runs " + describe(&op) + " on the host");
      if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty())
        return fail(error, "asynchronous launches are not in the GPU plan");
      std::string name = launch.getKernelName().str();
      auto [it, fresh] = kernelIndex.try_emplace(name, kernels.size());
      if (fresh)
        kernels.push_back(name);
      auto dims = [&](std::initializer_list<Value> vs, nlohmann::ordered_json &j) {
        j = nlohmann::ordered_json::array();
        for (Value v : vs) {
          auto c = getConstantIntValue(v);
          if (!c || *c <= 0)
            return fail(error, "kernel " + name +
                                   " has a launch size that is not a positive "
                                   "constant");
          j.push_back(*c);
        }
        return success();
      };
      nlohmann::ordered_json l;
      l["kernel"] = it->second;
      // The ONNX node the kernel computes (its first name location), so a
      // profile or a run-time error can name it.
      std::string node;
      launch->getLoc()->walk([&](Location loc) {
        if (auto n = dyn_cast<NameLoc>(loc); n && node.empty())
          node = n.getName().str();
        return WalkResult::advance();
      });
      if (!node.empty())
        l["node"] = node;
      if (failed(dims({launch.getGridSizeX(), launch.getGridSizeY(), launch.getGridSizeZ()},
                      l["grid"])) ||
          failed(dims({launch.getBlockSizeX(), launch.getBlockSizeY(), launch.getBlockSizeZ()},
                      l["block"])))
        return failure();
      int64_t shared = 0;
      if (Value s = launch.getDynamicSharedMemorySize()) {
        auto c = getConstantIntValue(s);
        if (!c)
          return fail(error, "kernel " + name + " has a run-time shared memory size");
        shared = *c;
      }
      l["shared_bytes"] = shared;
      nlohmann::ordered_json args = nlohmann::ordered_json::array();
      for (Value v : launch.getKernelOperands()) {
        nlohmann::ordered_json a;
        if (isa<MemRefType>(v.getType())) {
          auto mt = cast<MemRefType>(v.getType());
          int64_t offset;
          SmallVector<int64_t> strides;
          if (!mt.hasStaticShape() || failed(mt.getStridesAndOffset(strides, offset)) ||
              ShapedType::isDynamic(offset) || llvm::any_of(strides, ShapedType::isDynamic))
            return fail(error, "kernel " + name + " takes a memref without a static layout");
          if (failed(resolve(v, a)))
            return failure();
        } else if (failed(scalar(v, a))) {
          return failure();
        }
        args.push_back(a);
      }
      l["args"] = args;
      launches.push_back(l);
    }
    out["api"] = api.str();
    out["arch"] = target.cpu;
    out["module"] = target.libraryName;
    if (!weights.empty())
      out["weights"] = "weights.bin";
    out["weights_bytes"] = weights.size();
    out["arena_bytes"] = arenaBytes;
    out["kernels"] = kernels;
    out["launches"] = launches;
    return success();
  }
};

/// Debian's rocm-device-libs: the device libraries an AMDGPU code object is
/// linked with (ocml, ockl, oclc_*).
constexpr const char *kROCmBitcode = "/usr/lib/x86_64-linux-gnu/amdgcn/bitcode";

/// The "toolkit" folder gpu-module-to-binary reads for ROCDL targets
/// (amdgcn/bitcode, llvm/bin/ld.lld): made once per process of links to
/// Debian's device libraries and LLVM 22's lld, removed at exit.
std::string rocmToolkit(std::string &error) {
  static std::string dir, why;
  static bool once = [] {
    if (!llvm::sys::fs::is_directory(kROCmBitcode)) {
      why = std::string("the AMDGPU code object links ROCm's device libraries, which are not "
                        "installed (") +
            kROCmBitcode + "; Debian: apt install rocm-device-libs)";
      return true;
    }
    llvm::SmallString<128> d;
    if (llvm::sys::fs::createUniqueDirectory("autoglm-rocm-toolkit", d)) {
      why = "cannot create a temporary folder";
      return true;
    }
    auto lld = llvm::sys::findProgramByName("ld.lld", {"/usr/lib/llvm-22/bin"});
    if (!lld) {
      why = "ld.lld not found (install lld-22)";
      return true;
    }
    if (llvm::sys::fs::create_directories(d + "/amdgcn") ||
        llvm::sys::fs::create_directories(d + "/llvm/bin") ||
        llvm::sys::fs::create_link(kROCmBitcode, d + "/amdgcn/bitcode") ||
        llvm::sys::fs::create_link(*lld, d + "/llvm/bin/ld.lld")) {
      why = "cannot link the ROCm toolkit folder in " + d.str().str();
      return true;
    }
    dir = d.str().str();
    std::atexit([] { llvm::sys::fs::remove_directories(dir); });
    return true;
  }();
  (void)once;
  if (dir.empty())
    error = why;
  return dir;
}

/// Reads an AMDGPU code object's kernel descriptors back (the ELF note
/// NT_AMDGPU_METADATA) and checks them against the chip family's limits:
/// wavefront 64, at most 256 VGPRs and 102 SGPRs, LDS within 64 KiB.
LogicalResult validateHSACO(llvm::StringRef code, nlohmann::ordered_json &out, std::string &error) {
  auto elf = llvm::object::ELF64LEFile::create(code);
  if (!elf)
    return fail(error, "the code object is not an ELF file: " + llvm::toString(elf.takeError()));
  auto sections = elf->sections();
  if (!sections)
    return fail(error, "the code object has no section table");
  nlohmann::ordered_json kernels = nlohmann::ordered_json::array();
  bool found = false;
  for (const auto &sec : *sections) {
    if (sec.sh_type != llvm::ELF::SHT_NOTE)
      continue;
    llvm::Error err = llvm::Error::success();
    for (const auto &note : elf->notes(sec, err)) {
      if (note.getName() != "AMDGPU" || note.getType() != llvm::ELF::NT_AMDGPU_METADATA)
        continue;
      llvm::ArrayRef<uint8_t> desc = note.getDesc(sec.sh_addralign);
      llvm::msgpack::Document doc;
      if (!doc.readFromBlob(llvm::StringRef((const char *)desc.data(), desc.size()), false))
        return fail(error, "the code object's AMDGPU metadata is not MessagePack");
      found = true;
      auto &root = doc.getRoot().getMap(true);
      auto list = root.find(doc.getNode("amdhsa.kernels"));
      if (list == root.end())
        continue;
      for (auto &k : list->second.getArray(true)) {
        auto &m = k.getMap(true);
        auto num = [&](const char *key) -> int64_t {
          auto it = m.find(doc.getNode(key));
          return it == m.end() ? -1 : (int64_t)it->second.getUInt();
        };
        auto nameIt = m.find(doc.getNode(".name"));
        std::string name = nameIt == m.end() ? "?" : nameIt->second.getString().str();
        int64_t wave = num(".wavefront_size"), vgpr = num(".vgpr_count"), sgpr = num(".sgpr_count"),
                lds = num(".group_segment_fixed_size"),
                scratch = num(".private_segment_fixed_size");
        if (wave != 64 || vgpr < 0 || vgpr > 256 || sgpr < 0 || sgpr > 102 || lds < 0 ||
            lds > 65536)
          return fail(error, "kernel " + name + " is outside the chip's limits (wavefront " +
                                 std::to_string(wave) + ", " + std::to_string(vgpr) + " VGPRs, " +
                                 std::to_string(sgpr) + " SGPRs, " + std::to_string(lds) +
                                 " bytes of LDS)");
        kernels.push_back({{"name", name},
                           {"wavefront", wave},
                           {"vgpr", vgpr},
                           {"sgpr", sgpr},
                           {"lds_bytes", lds},
                           {"scratch_bytes", scratch}});
      }
    }
    if (err)
      return fail(error,
                  "the code object's notes are malformed: " + llvm::toString(std::move(err)));
  }
  if (!found)
    return fail(error, "the code object carries no AMDGPU metadata note");
  out = {{"checked", "kernel descriptors read back from the code object's NT_AMDGPU_METADATA "
                     "note: wavefront 64, VGPRs <= 256, SGPRs <= 102, LDS <= 64 KiB"},
         {"kernels", kernels}};
  return success();
}

class GPUBackend : public TargetBackend {
public:
  GPUBackend(TargetDescription d, std::string api) : desc(std::move(d)), api(std::move(api)) {}

  const TargetDescription &description() const override { return desc; }

  FailureOr<TargetDescription> resolve(const TargetOverrides &o,
                                       std::string &error) const override {
    TargetDescription d = desc;
    if (!o.cpu.empty()) {
      bool cuda = api == "cuda";
      if (!llvm::StringRef(o.cpu).starts_with(cuda ? "sm_" : "gfx")) {
        error = "--target-cpu for " + desc.name + " takes " +
                (cuda ? "an NVIDIA architecture (sm_80, sm_90, ...)"
                      : "an AMDGPU chip (gfx906, gfx908, gfx90a, ...)") +
                ", got '" + o.cpu + "'";
        return failure();
      }
      d.cpu = o.cpu;
    }
    if (!o.features.empty())
      d.features = o.features;
    return d;
  }

  std::string runsHere() const override {
    std::string err;
    if (api == "hip") {
      for (const char *lib : {"libamdhip64.so", "libamdhip64.so.6", "libamdhip64.so.5"})
        if (llvm::sys::DynamicLibrary::getLibrary(lib, &err).isValid())
          return "HIP runtime present (never run on a DCU by this project)";
      return "no: needs a HIP runtime (libamdhip64.so) and an AMD GPU";
    }
    auto lib = llvm::sys::DynamicLibrary::getLibrary("libcuda.so.1", &err);
    if (!lib.isValid())
      return "no: needs an NVIDIA GPU and its driver (libcuda.so.1)";
    return "native (CUDA driver present)";
  }

  void buildCodegenPipeline(OpPassManager &pm, const TargetDescription &target,
                            const CodegenOptions &options) const override {
    GPUPipelineOptions gpu;
    gpu.api = api;
    if (api == "hip") {
      // Without the toolkit the serialization fails; this says why first.
      std::string error;
      gpu.toolkit = rocmToolkit(error);
      if (!error.empty())
        llvm::errs() << "autoglm-compile: error: " << error << "\n";
    }
    gpu.triple = target.triple;
    gpu.chip = target.cpu;
    gpu.features = target.features;
    gpu.optLevel = std::max(options.optLevel, 1);
    std::string error;
    // The session checked the text.
    (void)parseGPUTuning(options.gpuTuning, gpu.tuning, error);
    // Tensor cores: lower-reductions' mma option, before any the tuning
    // gives (a later value wins).
    if (options.precision != "fp32") {
      std::string &lr = gpu.tuning["lower-reductions"];
      lr = "mma=" + options.precision + (lr.empty() ? "" : " " + lr);
    }
    buildGPUCodegenPipeline(pm, gpu);
  }

  LogicalResult emitLLVMIR(ModuleOp module, const TargetDescription &, int,
                           std::string &) const override {
    return module.emitError("--emit llvm is not available for GPU targets; --emit asm writes "
                            "the kernels' PTX");
  }

  LogicalResult emitObject(ModuleOp module, const TargetDescription &target, int, bool assembly,
                           std::vector<char> &out) const override {
    if (api == "hip" && assembly)
      return module.emitError("--emit asm is not available for " + desc.name +
                              "; --emit obj writes the code object (llvm-objdump-22 -d "
                              "disassembles it)");
    std::string code, error;
    if (failed(gpuCodeObject(module, target.cpu, code, error)))
      return module.emitError(error);
    out.assign(code.begin(), code.end());
    return success();
  }

  LogicalResult link(ModuleOp module, const TargetDescription &target,
                     const std::string &objectPath, const std::string &scratchDir,
                     LinkedLibrary &out, std::string &error) const override {
    LaunchPlan plan;
    if (failed(buildLaunchPlan(module, target, api, plan, error)))
      return failure();
    out.path = objectPath;
    out.manifestSections.push_back({"gpu", plan.json});
    if (!plan.weights.empty()) {
      std::string path = scratchDir + "/weights.bin";
      std::error_code ec;
      llvm::raw_fd_ostream os(path, ec);
      if (ec)
        return fail(error, "cannot write " + path + ": " + ec.message());
      os << plan.weights;
      out.extraFiles.push_back({"weights.bin", path});
    }
    if (api == "hip") {
      auto code = llvm::MemoryBuffer::getFile(objectPath);
      if (!code)
        return fail(error, "cannot read the code object back");
      nlohmann::ordered_json validation = {{"kernels", nlohmann::ordered_json::array()}};
      if (!(*code)->getBuffer().empty() &&
          failed(validateHSACO((*code)->getBuffer(), validation, error)))
        return failure();
      auto section = nlohmann::ordered_json::parse(plan.json);
      section["validation"] = validation;
      out.manifestSections.back().second = section.dump();
      out.notes.push_back("kernels are an AMDGPU code object (HSACO, code object v5) for " +
                          target.cpu + "; compiled and validated, not executed here (docs/gpu.md)");
    } else {
      out.notes.push_back("kernels are PTX for " + target.cpu +
                          ", compiled by the CUDA driver when the model loads");
    }
    return success();
  }

private:
  TargetDescription desc;
  std::string api;
};

TargetDescription nvidiaTarget(std::string name, std::string chip, std::string summary) {
  TargetDescription d;
  d.name = std::move(name);
  d.summary = std::move(summary);
  d.family = "gpu";
  d.triple = "nvptx64-nvidia-cuda";
  d.cpu = std::move(chip);
  d.vectorBits = 128;
  d.threads = false;
  d.artifactKind = "ptx";
  d.libraryName = "kernels.ptx";
  return d;
}

} // namespace

LogicalResult mlir::autoglm::gpuCodeObject(ModuleOp module, llvm::StringRef chip, std::string &code,
                                           std::string &error) {
  auto bins = llvm::to_vector(module.getOps<gpu::BinaryOp>());
  if (bins.empty()) {
    // Nothing to compute (every output is empty): a module without kernels
    // (an empty code object for AMDGPU chips).
    if (chip.starts_with("gfx")) {
      code.clear();
      return success();
    }
    code = "//\n// No kernels: every output of this model is empty.\n//\n\n.version 7.8\n"
           ".target " +
           chip.str() + "\n.address_size 64\n";
    return success();
  }
  if (bins.size() != 1 || bins[0].getObjects().size() != 1)
    return fail(error, "the lowered module has more than one code object");
  auto obj = cast<gpu::ObjectAttr>(bins[0].getObjects()[0]);
  code = obj.getObject().str();
  // Everything the kernels call must be in the module: the driver's JIT
  // would otherwise fail at load on a user's machine.
  size_t at = llvm::StringRef(code).starts_with("\x7f"
                                                "ELF")
                  ? std::string::npos
                  : code.find(".extern .func");
  if (at != std::string::npos) {
    size_t end = code.find('\n', at);
    return fail(error, "a kernel calls an external function the PTX does not define (" +
                           code.substr(at, end - at) + ")");
  }
  return success();
}

LogicalResult mlir::autoglm::buildLaunchPlan(ModuleOp module, const TargetDescription &target,
                                             llvm::StringRef api, LaunchPlan &plan,
                                             std::string &error) {
  PlanBuilder b(module, error);
  nlohmann::ordered_json j;
  if (failed(b.build(target, api, j)))
    return failure();
  plan.json = j.dump();
  plan.weights = std::move(b.weights);
  return success();
}

void mlir::autoglm::registerGPUTargets() {
  registerTargetBackend(std::make_unique<GPUBackend>(
      nvidiaTarget("cuda-sm90", "sm_90",
                   "NVIDIA Hopper (H100, H200): PTX for sm_90, run through the CUDA driver"),
      "cuda"));
  registerTargetBackend(std::make_unique<GPUBackend>(
      nvidiaTarget("cuda-sm80", "sm_80",
                   "NVIDIA Ampere (A100) and newer: PTX for sm_80, run through the CUDA driver"),
      "cuda"));
  TargetDescription dcu = nvidiaTarget(
      "hygon-dcu", "gfx906",
      "Hygon DCU (gfx906 class; --target-cpu gfx908 / gfx90a / ...): an AMDGPU code object, "
      "compiled and validated, not run (Debian: rocm-device-libs)");
  dcu.triple = "amdgcn-amd-amdhsa";
  dcu.artifactKind = "hsaco";
  dcu.libraryName = "kernels.hsaco";
  registerTargetBackend(std::make_unique<GPUBackend>(dcu, "hip"));
}

void mlir::autoglm::registerGPUTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerROCDLDialectTranslation(registry);
  ROCDL::registerROCDLTargetInterfaceExternalModels(registry);
}
