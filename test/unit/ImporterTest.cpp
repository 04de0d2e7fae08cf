//===- ImporterTest.cpp - ONNX importer edge cases ----------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Dialect/AutoGLM/IR/AutoGLM.h"
#include "autoglm/Importer/ONNXImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// Imports `bytes`, capturing every diagnostic.
struct Import {
  MLIRContext ctx;
  std::string diags;
  OwningOpRef<ModuleOp> module;

  explicit Import(const std::string &bytes, bool text = false) {
    DialectRegistry registry;
    registerONNXImportDialects(registry);
    ctx.appendDialectRegistry(registry);
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
      diags += d.str() + "\n";
      return success();
    });
    ONNXImportOptions options;
    options.modelDir = ".";
    module = text ? importONNXText(bytes, &ctx, options)
                  : importONNXModel(bytes, &ctx, options);
  }

  std::string ir() {
    std::string s;
    llvm::raw_string_ostream os(s);
    module->print(os);
    return s;
  }

  int count(llvm::StringRef opName) {
    int n = 0;
    module->walk([&](Operation *op) { n += op->getName().getStringRef() == opName; });
    return n;
  }
};

onnx::ModelProto reluModel() {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto *g = m.mutable_graph();
  g->set_name("g");
  for (auto [vi, name] : {std::pair{g->add_input(), "x"}, {g->add_output(), "y"}}) {
    vi->set_name(name);
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_value(2);
    tt->mutable_shape()->add_dim()->set_dim_param("N");
  }
  auto *n = g->add_node();
  n->set_op_type("Relu");
  n->set_name("r0");
  n->add_input("x");
  n->add_output("y");
  return m;
}

TEST(Importer, ImportsProgrammaticModelWithDynamicDim) {
  Import imp(reluModel().SerializeAsString());
  ASSERT_TRUE(imp.module) << imp.diags;
  EXPECT_EQ(imp.count("autoglm.unary"), 1);
  EXPECT_NE(imp.ir().find("tensor<2x?xf32>"), std::string::npos) << imp.ir();
  EXPECT_NE(imp.ir().find("autoglm.name = \"x\""), std::string::npos);
}

TEST(Importer, EmptyAndGarbageInputFailCleanly) {
  for (std::string bytes : {std::string(), std::string("\x08\x96\x01garbage", 10),
                            std::string(100, '\xff')}) {
    Import imp(bytes);
    EXPECT_FALSE(imp.module);
    EXPECT_NE(imp.diags.find("not an ONNX model"), std::string::npos) << imp.diags;
  }
}

TEST(Importer, EveryTruncationFailsCleanly) {
  // No prefix of a valid model may crash the importer.
  std::string bytes = reluModel().SerializeAsString();
  for (size_t n = 0; n < bytes.size(); ++n) {
    Import imp(bytes.substr(0, n));
    if (!imp.module)
      EXPECT_FALSE(imp.diags.empty()) << "prefix " << n;
  }
}

TEST(Importer, MissingGraphIsRejected) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  Import imp(m.SerializeAsString());
  EXPECT_FALSE(imp.module);
  EXPECT_NE(imp.diags.find("no graph"), std::string::npos) << imp.diags;
}

TEST(Importer, MissingInputShapeIsReported) {
  onnx::ModelProto m = reluModel();
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  Import imp(m.SerializeAsString());
  EXPECT_FALSE(imp.module);
  EXPECT_NE(imp.diags.find("invalid ONNX model: Field 'shape' of 'type' is required"),
            std::string::npos)
      << imp.diags;
}

/// Identity from an input to an output of element type `t`.
onnx::ModelProto identityModel(onnx::TensorProto::DataType t) {
  onnx::ModelProto m = reluModel();
  m.mutable_graph()->mutable_node(0)->set_op_type("Identity");
  for (auto *vi : {m.mutable_graph()->mutable_input(0), m.mutable_graph()->mutable_output(0)})
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(t);
  return m;
}

TEST(Importer, StringTensorsImportAsAutoGLMStrings) {
  Import imp(identityModel(onnx::TensorProto::STRING).SerializeAsString());
  ASSERT_TRUE(imp.module) << imp.diags;
  EXPECT_NE(imp.ir().find("!autoglm.string"), std::string::npos) << imp.ir();
}

TEST(Importer, ComplexTensorsAreRefused) {
  Import imp(identityModel(onnx::TensorProto::COMPLEX64).SerializeAsString());
  EXPECT_FALSE(imp.module);
  EXPECT_NE(imp.diags.find("element type COMPLEX64 is not supported"), std::string::npos)
      << imp.diags;
}

TEST(Importer, SameModelSameIR) {
  std::string bytes = reluModel().SerializeAsString();
  Import a(bytes), b(bytes);
  ASSERT_TRUE(a.module && b.module);
  EXPECT_EQ(a.ir(), b.ir());
}

TEST(Importer, UnusedInitializersDoNotEnterTheIR) {
  onnx::ModelProto m = reluModel();
  auto *init = m.mutable_graph()->add_initializer();
  init->set_name("unused");
  init->set_data_type(onnx::TensorProto::FLOAT);
  init->add_dims(1);
  init->add_float_data(1.0f);
  Import imp(m.SerializeAsString());
  ASSERT_TRUE(imp.module) << imp.diags;
  EXPECT_EQ(imp.count("autoglm.constant"), 0);
}

TEST(Importer, TextSyntaxParseErrorIsReported) {
  Import imp("<ir_version: 8> g (float[2] x) => (float[2] y) { y = Relu(x", true);
  EXPECT_FALSE(imp.module);
  EXPECT_NE(imp.diags.find("cannot parse the ONNX text model"), std::string::npos)
      << imp.diags;
}

} // namespace
