//===- autoglm-opt.cpp - mlir-opt with the autoglm dialect and passes -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Reads .mlir like mlir-opt, and also .onnx models (binary) or ONNX's textual
// syntax (--import-onnx-text): those are imported first and the result goes
// through the same pass pipeline and printing as any .mlir input.
//===----------------------------------------------------------------------===//

#include "autoglm/Conversion/Passes.h"
#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"
#include "autoglm/Importer/ONNXImporter.h"
#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Target/GPU.h"
#include "autoglm/Target/Passes.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static llvm::cl::opt<bool>
    importOnnxText("import-onnx-text",
                   llvm::cl::desc("Read the input as a model in ONNX's textual "
                                  "syntax (onnx/defs/parser.h) and import it"),
                   llvm::cl::init(false));

static llvm::cl::opt<bool> importOnnx(
    "import-onnx",
    llvm::cl::desc("Read the input as a binary ONNX model (implied by .onnx)"),
    llvm::cl::init(false));

/// Imports every chunk of an ONNX input and returns them as MLIR text (or
/// bytecode for a single binary model, which keeps weights compact).
static std::unique_ptr<llvm::MemoryBuffer>
importInput(llvm::StringRef inputFilename, const MlirOptMainConfig &config,
            DialectRegistry &registry) {
  std::string err;
  auto file = openInputFile(inputFilename, &err);
  if (!file) {
    llvm::errs() << err << "\n";
    return nullptr;
  }
  // Split only on lines that are exactly the marker, so a RUN line that
  // spells the marker out does not split the file.
  SmallVector<std::string> chunks(1);
  llvm::StringRef whole = file->getBuffer();
  if (importOnnxText && !config.inputSplitMarker().empty()) {
    SmallVector<llvm::StringRef> lines;
    whole.split(lines, '\n');
    for (llvm::StringRef line : lines) {
      if (line.trim() == config.inputSplitMarker().trim())
        chunks.emplace_back();
      else
        chunks.back() += (line + "\n").str();
    }
  } else {
    chunks.back() = whole.str();
  }

  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  autoglm::ONNXImportOptions options;
  llvm::StringRef dir = llvm::sys::path::parent_path(inputFilename);
  options.modelDir = dir.empty() ? "." : dir.str();
  options.sourceName = inputFilename == "-" ? "<stdin>" : inputFilename.str();

  std::string out;
  llvm::raw_string_ostream os(out);
  bool ok = true;
  for (auto [i, chunk] : llvm::enumerate(chunks)) {
    auto module = importOnnxText
                      ? autoglm::importONNXText(chunk, &ctx, options)
                      : autoglm::importONNXModel(chunk, &ctx, options);
    if (!module) {
      ok = false;
      continue;
    }
    if (i)
      os << "\n" << kDefaultSplitMarker << "\n";
    if (chunks.size() == 1 && !importOnnxText) {
      if (failed(writeBytecodeToFile(*module, os)))
        return nullptr;
    } else {
      module->print(os);
    }
  }
  if (!ok)
    return nullptr;
  return llvm::MemoryBuffer::getMemBufferCopy(out, inputFilename);
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  DialectRegistry registry;
  autoglm::registerPipelineDialects(registry);
  autoglm::registerGPUTranslations(registry);
  mlir::registerTransformsPasses();
  autoglm::registerAutoGLMConversionPasses();
  autoglm::registerAutoGLMTargetPasses();
  autoglm::registerAutoGLMTransformsPasses();
  autoglm::registerAutoGLMPipelines();

  auto [inputFilename, outputFilename] = registerAndParseCLIOptions(
      argc, argv, "Open-AutoGLM optimizer driver\n", registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();

  std::unique_ptr<llvm::MemoryBuffer> buffer;
  bool isOnnx = importOnnx || importOnnxText ||
                llvm::StringRef(inputFilename).ends_with(".onnx");
  if (isOnnx) {
    buffer = importInput(inputFilename, config, registry);
    if (!buffer)
      return 1;
    // ONNX text uses '#' comments, so its split marker differs; the imported
    // chunks are joined with MLIR's default marker.
    if (!config.inputSplitMarker().empty())
      config.splitInputFile(kDefaultSplitMarker);
  } else {
    std::string err;
    buffer = openInputFile(inputFilename, &err);
    if (!buffer) {
      llvm::errs() << err << "\n";
      return 1;
    }
  }

  std::string err;
  auto output = openOutputFile(outputFilename, &err);
  if (!output) {
    llvm::errs() << err << "\n";
    return 1;
  }
  if (failed(MlirOptMain(output->os(), std::move(buffer), registry, config)))
    return 1;
  output->keep();
  return 0;
}
