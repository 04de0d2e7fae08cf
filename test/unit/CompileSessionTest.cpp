//===- CompileSessionTest.cpp - the compile session and targets ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Calibration.h"
#include "autoglm/Compiler/Session.h"
#include "autoglm/InitAllTargets.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace mlir;
using namespace mlir::autoglm;

namespace {

const char *kAddModel = "/usr/share/libonnx-testdata/data/node/test_add/model.onnx";

/// A fresh folder removed at the end of the test.
struct TempDir {
  llvm::SmallString<128> path;
  TempDir() { EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("autoglm-unit", path)); }
  ~TempDir() { llvm::sys::fs::remove_directories(path); }
  std::string operator/(const std::string &name) const { return (path + "/" + name).str(); }
};

/// Options that compile test_add into `dir`/art.
CompileOptions addOptions(const TempDir &dir) {
  CompileOptions o;
  o.model = kAddModel;
  o.output = dir / "art";
  return o;
}

/// A backend that only describes itself (for registry tests).
struct FakeBackend : TargetBackend {
  TargetDescription d;
  explicit FakeBackend(std::string name, std::string summary) {
    d.name = std::move(name);
    d.summary = std::move(summary);
    d.triple = "aarch64-unknown-linux-gnu";
  }
  const TargetDescription &description() const override { return d; }
  std::string runsHere() const override { return "no: a test backend"; }
  void buildCodegenPipeline(OpPassManager &, const TargetDescription &,
                            const CodegenOptions &) const override {}
  LogicalResult emitLLVMIR(ModuleOp, const TargetDescription &, int, std::string &) const override {
    return failure();
  }
  LogicalResult emitObject(ModuleOp, const TargetDescription &, int, bool,
                           std::vector<char> &) const override {
    return failure();
  }
  LogicalResult link(ModuleOp, const TargetDescription &, const std::string &, const std::string &,
                     LinkedLibrary &, std::string &) const override {
    return failure();
  }
};

TEST(TargetRegistry, HostIsRegisteredAndResolves) {
  registerAllTargets();
  const TargetBackend *host = lookupTargetBackend("host");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->runsHere(), "native");
  EXPECT_EQ(host->description().family, "cpu");
  EXPECT_FALSE(host->description().triple.empty());
  // No overrides: the registered description.
  std::string error;
  auto same = host->resolve({}, error);
  ASSERT_TRUE(succeeded(same));
  EXPECT_EQ(same->features, host->description().features);
  // Features without AVX-512: 256-bit vectors, 8-lane tiles.
  auto avx2 = host->resolve({"x86-64-v3", "+avx2,+fma,-avx512f"}, error);
  ASSERT_TRUE(succeeded(avx2));
  EXPECT_EQ(avx2->cpu, "x86-64-v3");
  EXPECT_EQ(avx2->vectorBits, 256);
  EXPECT_EQ(avx2->kernels.lanes, 8);
  EXPECT_EQ(avx2->kernels.contractionWidth, 16);
}

TEST(TargetRegistry, RegistersLooksUpAndReplaces) {
  registerAllTargets();
  size_t before = getTargetBackends().size();
  registerTargetBackend(std::make_unique<FakeBackend>("unit-fake", "first"));
  ASSERT_NE(lookupTargetBackend("unit-fake"), nullptr);
  EXPECT_EQ(getTargetBackends().size(), before + 1);
  // A second backend of the same name replaces the first.
  registerTargetBackend(std::make_unique<FakeBackend>("unit-fake", "second"));
  EXPECT_EQ(getTargetBackends().size(), before + 1);
  EXPECT_EQ(lookupTargetBackend("unit-fake")->description().summary, "second");
  EXPECT_NE(targetNames().find("unit-fake"), std::string::npos);
  EXPECT_EQ(lookupTargetBackend("no-such-target"), nullptr);
}

TEST(TargetRegistry, VectorWidthFromFeatures) {
  EXPECT_EQ(vectorBitsOfFeatures("x86_64-pc-linux-gnu", "+avx512f,+avx2", 0), 512);
  EXPECT_EQ(vectorBitsOfFeatures("x86_64-pc-linux-gnu", "+avx2,-avx512f", 0), 256);
  EXPECT_EQ(vectorBitsOfFeatures("x86_64-pc-linux-gnu", "+sse4.2", 0), 128);
  EXPECT_EQ(vectorBitsOfFeatures("x86_64-pc-linux-gnu", "", 512), 512);
  EXPECT_EQ(vectorBitsOfFeatures("aarch64-linux-gnu", "+neon", 0), 128);
  // AVX-512's 32 registers of 16 lanes: 16 accumulators, 32-lane tiles.
  CPUKernelParams p = cpuKernelParams(512, 32);
  EXPECT_EQ(p.lanes, 16);
  EXPECT_EQ(p.contractionWidth, 32);
  EXPECT_EQ(p.accumulators, 16);
}

TEST(CompileSession, CompilesAnArtifact) {
  TempDir dir;
  CompileSession session;
  CompileOptions o = addOptions(dir);
  o.report = dir / "report.json";
  std::string error, summary;
  ASSERT_TRUE(succeeded(session.run(o, error, &summary))) << error;
  EXPECT_NE(summary.find("ops ->"), std::string::npos);
  for (const char *f : {"model.so", "model.h", "manifest.json"})
    EXPECT_TRUE(llvm::sys::fs::exists(dir / ("art/" + std::string(f)))) << f;
  std::ifstream in(dir / "art/manifest.json");
  nlohmann::json m = nlohmann::json::parse(in);
  EXPECT_EQ(m["target"]["name"], "host");
  EXPECT_EQ(m["inputs"].size(), 2u);
  std::ifstream rin(dir / "report.json");
  nlohmann::json r = nlohmann::json::parse(rin);
  EXPECT_EQ(r["target"], "host");
}

TEST(CompileSession, SessionErrorsWriteNothing) {
  TempDir dir;
  CompileSession session;
  CompileOptions o = addOptions(dir);
  std::string error;
  o.target = "no-such-target";
  EXPECT_TRUE(failed(session.run(o, error)));
  EXPECT_NE(error.find("unknown target 'no-such-target' (available: host"), std::string::npos)
      << error;
  o.target = "host";
  o.optLevel = 7;
  EXPECT_TRUE(failed(session.run(o, error)));
  EXPECT_EQ(error, "-O takes 0..3");
  o.optLevel = 2;
  o.dims = {"N"};
  EXPECT_TRUE(failed(session.run(o, error)));
  EXPECT_NE(error.find("--dim takes NAME=extent"), std::string::npos) << error;
  o.dims.clear();
  o.model = dir / "missing.onnx";
  EXPECT_TRUE(failed(session.run(o, error)));
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
  EXPECT_FALSE(llvm::sys::fs::exists(dir / "art"));
}

TEST(CompileSession, EmitsStages) {
  TempDir dir;
  CompileSession session;
  CompileOptions o;
  o.model = kAddModel;
  std::string error;
  for (const char *stage : {"mlir", "linalg", "llvm"}) {
    o.emit = stage;
    o.output = dir / stage;
    ASSERT_TRUE(succeeded(session.run(o, error))) << stage << ": " << error;
    auto text = llvm::MemoryBuffer::getFile(o.output);
    ASSERT_TRUE(bool(text)) << stage;
    llvm::StringRef body = (*text)->getBuffer();
    if (std::string(stage) == "llvm")
      EXPECT_TRUE(body.contains("define void @autoglm_entry")) << stage;
    else
      EXPECT_TRUE(body.contains(std::string(stage) == "mlir" ? "autoglm.binary  add" : "linalg."))
          << stage;
  }
}

TEST(BuildConfig, CommandLineWins) {
  TempDir dir;
  {
    std::ofstream f(dir / "build.yaml");
    f << "model: m.onnx\noutput: out\nopt_level: 3\ntarget: host\ndims: {N: 4}\n";
  }
  CompileOptions o;
  o.optLevel = 1;
  std::string error;
  ASSERT_TRUE(succeeded(applyBuildConfig(
      dir / "build.yaml", [](llvm::StringRef flag) { return flag == "--opt-level"; }, o, error)))
      << error;
  EXPECT_EQ(o.model, dir / "m.onnx");
  EXPECT_EQ(o.output, dir / "out");
  EXPECT_EQ(o.optLevel, 1);
  ASSERT_EQ(o.dims.size(), 1u);
  EXPECT_EQ(o.dims[0], "N=4");
  {
    std::ofstream f(dir / "bad.yaml");
    f << "model: m.onnx\ntarget_cpus: x\n";
  }
  EXPECT_TRUE(
      failed(applyBuildConfig(dir / "bad.yaml", [](llvm::StringRef) { return false; }, o, error)));
  EXPECT_NE(error.find("unknown key 'target_cpus'"), std::string::npos) << error;
}

} // namespace

// Entropy calibration keeps the bulk of a distribution and clips sparse far
// outliers; a distribution spread evenly over its range keeps (nearly) all
// of it.
TEST(Calibration, EntropyClipsSparseOutliers) {
  // 4096 bins over [0, 64]: a bulk in [0, 4) and a few values near 64.
  std::vector<uint64_t> hist(4096, 0);
  for (int i = 0; i < 256; ++i)
    hist[i] = 1000 + (i % 7) * 10;
  hist[4095] = 3;
  hist[4000] = 2;
  auto [lo, hi] = mlir::autoglm::entropyRange(hist, 0.0, 64.0);
  EXPECT_EQ(lo, 0.0);
  EXPECT_GE(hi, 4.0);  // the bulk is kept
  EXPECT_LT(hi, 16.0); // the outliers are clipped
}

TEST(Calibration, EntropyKeepsAnEvenSpread) {
  std::vector<uint64_t> hist(4096, 100);
  auto [lo, hi] = mlir::autoglm::entropyRange(hist, -2.0, 6.0);
  EXPECT_LE(lo, -1.9);
  EXPECT_GE(hi, 5.9);
}

TEST(Calibration, EntropyLeavesDegenerateRangesAlone) {
  std::vector<uint64_t> empty(4096, 0);
  EXPECT_EQ(mlir::autoglm::entropyRange(empty, -1.0, 1.0), std::make_pair(-1.0, 1.0));
  std::vector<uint64_t> some(4096, 1);
  // A range that does not hold 0 is not the quantization's: unchanged.
  EXPECT_EQ(mlir::autoglm::entropyRange(some, 1.0, 2.0), std::make_pair(1.0, 2.0));
}

// The artifact's hashes are the runtime's (OpenSSL) for every size: LLVM's
// SHA256 counts bytes in 32 bits and hashed inputs of 512 MiB and more
// wrongly, so a 1B model's weights.bin was refused at load. Known digests
// (sha256sum): "abc", and 513 MiB of zeros.
TEST(Artifact, Sha256OfLargeInputs) {
  EXPECT_EQ(mlir::autoglm::sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string zeros(size_t(513) << 20, '\0');
  EXPECT_EQ(mlir::autoglm::sha256Hex(zeros),
            "a3e2acbb469e4e59dde406f912e754c933c1ac0fb0092a3634d61d5073309c0c");
}
