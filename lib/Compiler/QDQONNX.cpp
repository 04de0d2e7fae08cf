//===- QDQONNX.cpp - --emit qdq-onnx: the calibrated model as QDQ ONNX -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Static int8 handed to other runtimes: the user's own ModelProto with, in
// front of every Conv / Gemm / MatMul the session quantized, a
// QuantizeLinear / DequantizeLinear pair on its input (uint8, the
// calibrated range widened to hold 0, the parameters autoglm-quant-int8
// uses) and its weight initializer replaced by an int8 one (symmetric per
// output channel, max |w| / 127) read through a DequantizeLinear. This is
// the "QDQ" form ONNX Runtime's quantizer writes, so other runtimes run
// exactly our quantization decisions; the rest of the file (nodes, names,
// opsets, metadata) stays as exported. Layers kept fp32 (--exclude, an
// accuracy budget) get no pair. A weight the file computes as the
// Transpose of a 2-D initializer (exports without constant folding:
// MatMul(x, Transpose(W))) is quantized transposed, as the layer reads it;
// the Transpose goes when nothing else reads it.
//===----------------------------------------------------------------------===//

#include "ONNXInitializers.h"
#include "autoglm/Compiler/Session.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

using namespace mlir;
using namespace mlir::autoglm;
using session::readFloats;

namespace {

LogicalResult fail(std::string &error, const std::string &msg) {
  error = "--emit qdq-onnx: " + msg;
  return failure();
}

onnx::TensorProto tensor(const std::string &name, int32_t type, std::vector<int64_t> dims,
                         const void *data, size_t bytes) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(type);
  for (int64_t d : dims)
    t.add_dims(d);
  t.set_raw_data(std::string((const char *)data, bytes));
  return t;
}

onnx::NodeProto qdqNode(const std::string &op, const std::string &name,
                        std::vector<std::string> inputs, const std::string &output,
                        int64_t axis = -1) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(name);
  for (const std::string &i : inputs)
    n.add_input(i);
  n.add_output(output);
  if (axis >= 0) {
    onnx::AttributeProto *a = n.add_attribute();
    a->set_name("axis");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(axis);
  }
  return n;
}

} // namespace

LogicalResult mlir::autoglm::writeQDQONNX(const std::string &modelPath,
                                          const std::vector<QDQLayer> &layers,
                                          const std::string &outPath, std::string &error) {
  auto buf = llvm::MemoryBuffer::getFile(modelPath, false, false);
  onnx::ModelProto model;
  if (!buf || !model.ParseFromArray((*buf)->getBufferStart(), (int)(*buf)->getBufferSize()))
    return fail(error, "cannot read '" + modelPath + "' as an ONNX model");
  int64_t opset = 0;
  for (const onnx::OperatorSetIdProto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset < 13)
    return fail(error, "per-channel DequantizeLinear needs opset 13 or later; the model is opset " +
                           std::to_string(opset));
  onnx::GraphProto *g = model.mutable_graph();
  std::map<std::string, int> initializer;
  for (int i = 0; i < g->initializer_size(); ++i)
    initializer[g->initializer(i).name()] = i;
  std::map<std::string, int> uses;
  std::map<std::string, const onnx::NodeProto *> producer;
  for (const onnx::NodeProto &n : g->node()) {
    for (const std::string &in : n.input())
      ++uses[in];
    for (const std::string &out : n.output())
      producer[out] = &n;
  }
  // A 2-D initializer's transpose: its name and the transposed dims, or
  // nullptr.
  auto transposedInitializer = [&](const std::string &t) -> const onnx::NodeProto * {
    auto p = producer.find(t);
    if (p == producer.end() || p->second->op_type() != "Transpose" ||
        p->second->input_size() != 1 || !initializer.count(p->second->input(0)) ||
        g->initializer(initializer[p->second->input(0)]).dims_size() != 2)
      return nullptr;
    for (const onnx::AttributeProto &a : p->second->attribute())
      if (a.name() == "perm" && !(a.ints_size() == 2 && a.ints(0) == 1 && a.ints(1) == 0))
        return nullptr;
    return p->second;
  };
  std::set<const onnx::NodeProto *> dropNodes;
  std::map<std::string, const QDQLayer *> byNode;
  for (const QDQLayer &l : layers)
    byNode[l.node] = &l;

  std::vector<onnx::TensorProto> newInits;
  std::set<std::string> dropInits;
  std::map<std::string, std::string> quantizedInput; // tensor -> its dequantized name
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  size_t done = 0;
  for (const onnx::NodeProto &orig : g->node()) {
    auto it = byNode.find(orig.name());
    if (it == byNode.end()) {
      *nodes.Add() = orig;
      continue;
    }
    const QDQLayer &l = *it->second;
    const std::string &op = orig.op_type();
    const onnx::NodeProto *transpose =
        orig.input_size() < 2 ? nullptr : transposedInitializer(orig.input(1));
    if ((op != "Conv" && op != "Gemm" && op != "MatMul") || orig.input_size() < 2 ||
        (!initializer.count(orig.input(1)) && !transpose))
      return fail(error, "node '" + orig.name() + "' (" + op +
                             ") is not a Conv, Gemm or MatMul with an initializer weight (or "
                             "the Transpose of one)");
    onnx::NodeProto n = orig;
    // The activation: one QuantizeLinear / DequantizeLinear pair per tensor.
    const std::string &x = orig.input(0);
    if (!quantizedInput.count(x)) {
      double lo = std::min(l.lo, 0.0), hi = std::max(l.hi, 0.0);
      float s = hi > lo ? (float)((hi - lo) / 255.0) : 1.0f;
      uint8_t z = (uint8_t)std::clamp(std::nearbyint(-lo / (hi > lo ? (hi - lo) / 255.0 : 1.0)),
                                      0.0, 255.0);
      std::string base = x + "_autoglm_q";
      newInits.push_back(tensor(base + "_scale", onnx::TensorProto::FLOAT, {}, &s, 4));
      newInits.push_back(tensor(base + "_zero_point", onnx::TensorProto::UINT8, {}, &z, 1));
      *nodes.Add() = qdqNode("QuantizeLinear", base + "_QuantizeLinear",
                             {x, base + "_scale", base + "_zero_point"}, base + "_quantized");
      *nodes.Add() = qdqNode("DequantizeLinear", base + "_DequantizeLinear",
                             {base + "_quantized", base + "_scale", base + "_zero_point"},
                             base + "_dequantized");
      quantizedInput[x] = base + "_dequantized";
    }
    n.set_input(0, quantizedInput[x]);
    // The weight: int8 per output channel.
    const onnx::TensorProto &w =
        g->initializer(initializer[transpose ? transpose->input(0) : orig.input(1)]);
    std::vector<float> values;
    if (!readFloats(w, values) || w.dims_size() < 2)
      return fail(error, "the weight '" + w.name() + "' of node '" + orig.name() +
                             "' is not an f32 initializer of rank 2 or more in the file");
    std::vector<int64_t> dims(w.dims().begin(), w.dims().end());
    if (transpose) {
      std::vector<float> t(values.size());
      for (int64_t r = 0; r < dims[0]; ++r)
        for (int64_t c = 0; c < dims[1]; ++c)
          t[c * dims[0] + r] = values[r * dims[1] + c];
      values.swap(t);
      std::swap(dims[0], dims[1]);
      if (--uses[transpose->output(0)] == 0) {
        dropNodes.insert(transpose);
        --uses[w.name()];
      }
      ++uses[w.name()]; // the --uses below is this layer's, not the Transpose's
    }
    int64_t axis = 0;
    if (op == "MatMul")
      axis = 1;
    if (op == "Gemm") {
      axis = 1;
      for (const onnx::AttributeProto &a : orig.attribute())
        if (a.name() == "transB" && a.i() != 0)
          axis = 0;
    }
    if (op == "MatMul" && w.dims_size() != 2)
      return fail(error, "the weight of MatMul node '" + orig.name() + "' is not 2-D");
    int64_t channels = dims[axis], inner = 1;
    for (size_t d = axis + 1; d < dims.size(); ++d)
      inner *= dims[d];
    std::vector<double> absMax(channels, 0.0);
    for (size_t i = 0; i < values.size(); ++i) {
      int64_t c = (int64_t)(i / inner) % channels;
      absMax[c] = std::max(absMax[c], (double)std::fabs(values[i]));
    }
    std::vector<float> scale(channels);
    for (int64_t c = 0; c < channels; ++c)
      scale[c] = absMax[c] > 0 ? (float)(absMax[c] / 127.0) : 1.0f;
    std::vector<int8_t> q(values.size());
    for (size_t i = 0; i < values.size(); ++i)
      q[i] = (int8_t)std::clamp(
          (double)std::nearbyint(values[i] / scale[(int64_t)(i / inner) % channels]), -127.0,
          127.0);
    std::vector<int8_t> zeros(channels, 0);
    std::string wb = w.name() + "_autoglm_" + orig.name();
    newInits.push_back(
        tensor(wb + "_quantized", onnx::TensorProto::INT8, dims, q.data(), q.size()));
    newInits.push_back(
        tensor(wb + "_scale", onnx::TensorProto::FLOAT, {channels}, scale.data(), channels * 4));
    newInits.push_back(
        tensor(wb + "_zero_point", onnx::TensorProto::INT8, {channels}, zeros.data(), channels));
    *nodes.Add() =
        qdqNode("DequantizeLinear", wb + "_DequantizeLinear",
                {wb + "_quantized", wb + "_scale", wb + "_zero_point"}, wb + "_dequantized", axis);
    n.set_input(1, wb + "_dequantized");
    if (--uses[w.name()] == 0)
      dropInits.insert(w.name());
    *nodes.Add() = n;
    ++done;
  }
  if (done != byNode.size())
    return fail(error, std::to_string(byNode.size() - done) +
                           " quantized layers name no node of the file");
  // Transposes only quantized layers read: the nodes kept are copies, so
  // they are found by their first output.
  std::set<std::string> dropOutputs;
  for (const onnx::NodeProto *n : dropNodes)
    dropOutputs.insert(n->output(0));
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  for (onnx::NodeProto &n : nodes)
    if (n.output_size() == 0 || !dropOutputs.count(n.output(0)))
      *kept.Add() = std::move(n);
  g->mutable_node()->Swap(&kept);
  google::protobuf::RepeatedPtrField<onnx::TensorProto> inits;
  for (const onnx::TensorProto &t : g->initializer())
    if (!dropInits.count(t.name()))
      *inits.Add() = t;
  for (onnx::TensorProto &t : newInits)
    *inits.Add() = std::move(t);
  g->mutable_initializer()->Swap(&inits);
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return fail(error, "cannot serialize the model");
  std::error_code ec;
  llvm::raw_fd_ostream out(outPath, ec);
  if (ec)
    return fail(error, "cannot write '" + outPath + "': " + ec.message());
  out << bytes;
  out.close();
  if (out.has_error())
    return fail(error, "cannot write '" + outPath + "'");
  return success();
}
