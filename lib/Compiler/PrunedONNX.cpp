//===- PrunedONNX.cpp - --emit pruned-onnx: the pruned model as ONNX -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Structured pruning handed back to the user's training framework: the
// model's own ModelProto with the slices autoglm-prune-structured made
// replayed on its initializers (each edit names the initializer and the
// nodes that use it), depthwise groups updated, and the stale intermediate
// shapes (value_info) dropped. Everything else (nodes, names, opsets,
// metadata) stays as the user exported it, so the file loads back into the
// tools that made it.
//===----------------------------------------------------------------------===//

#include "ONNXInitializers.h"
#include "autoglm/Compiler/Session.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <map>
#include <set>

using namespace mlir;
using namespace mlir::autoglm;
using session::readFloats;

namespace {

struct Slice {
  std::vector<int64_t> shape, kept;
  int64_t axis, inner;
  bool setGroup;
};

/// One recorded edit: the initializer, the nodes using it, the slice.
struct EditRecord {
  std::string initializer;
  std::vector<std::string> nodes;
  int64_t operand;
  Slice slice;
};

std::vector<int64_t> ints(Attribute a) {
  std::vector<int64_t> out;
  if (auto arr = dyn_cast_or_null<ArrayAttr>(a))
    for (Attribute x : arr)
      out.push_back(cast<IntegerAttr>(x).getInt());
  return out;
}

/// `values` of `shape` with only the kept channels along the slice's axis.
std::vector<float> applySlice(const std::vector<float> &values, std::vector<int64_t> &shape,
                              const Slice &s) {
  int64_t outer = 1, tail = 1;
  for (int64_t i = 0; i < s.axis; ++i)
    outer *= shape[i];
  for (size_t i = s.axis + 1; i < shape.size(); ++i)
    tail *= shape[i];
  int64_t extent = shape[s.axis];
  std::vector<float> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c : s.kept)
      for (int64_t i = 0; i < s.inner; ++i) {
        const float *src = values.data() + (o * extent + c * s.inner + i) * tail;
        out.insert(out.end(), src, src + tail);
      }
  shape[s.axis] = (int64_t)s.kept.size() * s.inner;
  return out;
}

LogicalResult fail(std::string &error, const std::string &msg) {
  error = "--emit pruned-onnx: " + msg;
  return failure();
}

} // namespace

LogicalResult mlir::autoglm::writePrunedONNX(const std::string &modelPath, ArrayAttr editAttrs,
                                             const std::string &outPath, std::string &error) {
  auto buf = llvm::MemoryBuffer::getFile(modelPath, false, false);
  onnx::ModelProto model;
  if (!buf || !model.ParseFromArray((*buf)->getBufferStart(), (int)(*buf)->getBufferSize()))
    return fail(error, "cannot read '" + modelPath + "' as an ONNX model");
  std::vector<EditRecord> edits;
  for (auto d : editAttrs.getAsRange<DictionaryAttr>()) {
    EditRecord e;
    e.initializer = cast<StringAttr>(d.get("initializer")).str();
    for (auto n : cast<ArrayAttr>(d.get("nodes")).getAsRange<StringAttr>())
      e.nodes.push_back(n.str());
    e.operand = cast<IntegerAttr>(d.get("operand")).getInt();
    e.slice = {ints(d.get("shape")), ints(d.get("kept")), cast<IntegerAttr>(d.get("axis")).getInt(),
               cast<IntegerAttr>(d.get("inner")).getInt(),
               cast<BoolAttr>(d.get("set_group")).getValue()};
    edits.push_back(std::move(e));
  }

  onnx::GraphProto *g = model.mutable_graph();
  std::map<std::string, int> initializers, nodesByName;
  for (int i = 0; i < g->initializer_size(); ++i)
    initializers[g->initializer(i).name()] = i;
  // torch shares equal parameters through Identity nodes: a tensor name ->
  // the initializer it forwards.
  std::map<std::string, std::string> alias;
  auto resolve = [&](const std::string &name) -> std::string {
    if (initializers.count(name))
      return name;
    auto it = alias.find(name);
    return it == alias.end() ? std::string() : it->second;
  };
  for (int ni = 0; ni < g->node_size(); ++ni) {
    const onnx::NodeProto &n = g->node(ni);
    nodesByName[n.name()] = ni;
    if (n.op_type() == "Identity" && n.input_size() == 1 && n.output_size() == 1 &&
        !resolve(n.input(0)).empty())
      alias[n.output(0)] = resolve(n.input(0));
  }
  // A weight the graph transposes (torch's Linear on 3-D inputs: Transpose
  // -> MatMul) was folded into one constant located at the Transpose: its
  // slice applies to the Transpose's input, along the permuted axis.
  for (EditRecord &e : edits) {
    if (initializers.count(e.initializer) || !nodesByName.count(e.initializer))
      continue;
    const onnx::NodeProto &t = g->node(nodesByName[e.initializer]);
    std::vector<int64_t> perm;
    for (const auto &a : t.attribute())
      if (a.name() == "perm")
        perm.assign(a.ints().begin(), a.ints().end());
    if (t.op_type() != "Transpose" || t.input_size() != 1 || resolve(t.input(0)).empty() ||
        perm.size() != e.slice.shape.size())
      continue;
    std::vector<int64_t> shape(perm.size());
    for (size_t i = 0; i < perm.size(); ++i)
      shape[perm[i]] = e.slice.shape[i];
    e.slice.shape = shape;
    e.slice.axis = perm[e.slice.axis];
    e.initializer = resolve(t.input(0));
    e.nodes = {t.name()};
    e.operand = 0;
  }

  std::vector<bool> used(edits.size(), false);
  std::vector<onnx::TensorProto> added;
  for (int ni = 0; ni < g->node_size(); ++ni) {
    onnx::NodeProto *node = g->mutable_node(ni);
    auto uses = [&](const EditRecord &e) {
      return std::find(e.nodes.begin(), e.nodes.end(), node->name()) != e.nodes.end();
    };
    // Where the compiler's operand is the ONNX input index (one initializer
    // may feed several inputs of a batch norm); other nodes (the Transpose
    // and bias Add of a recognized linear) match by the initializer alone.
    static const std::set<std::string> positional = {"Conv", "Gemm", "BatchNormalization"};
    for (int k = 0; k < node->input_size(); ++k) {
      std::string name = resolve(node->input(k));
      if (name.empty())
        continue;
      const onnx::TensorProto &init = g->initializer(initializers[name]);
      std::vector<float> values;
      std::vector<int64_t> shape(init.dims().begin(), init.dims().end());
      bool changed = false;
      for (size_t ei = 0; ei < edits.size(); ++ei) {
        const EditRecord &e = edits[ei];
        if (e.initializer != name || !uses(e) ||
            (positional.count(node->op_type()) && e.operand != k))
          continue;
        if (!changed && !readFloats(init, values))
          return fail(error, "initializer '" + name + "' is not f32 data stored in the model file");
        if (shape != e.slice.shape)
          return fail(error, "initializer '" + name + "' of node '" + node->name() +
                                 "' does not have the shape the compiler pruned (it was " +
                                 "rearranged on import)");
        values = applySlice(values, shape, e.slice);
        changed = used[ei] = true;
      }
      if (!changed)
        continue;
      onnx::TensorProto t;
      t.set_name(fmt::format("{}.pruned.{}.{}", name, ni, k));
      t.set_data_type(onnx::TensorProto::FLOAT);
      for (int64_t d : shape)
        t.add_dims(d);
      t.set_raw_data(std::string((const char *)values.data(), values.size() * 4));
      node->set_input(k, t.name());
      added.push_back(std::move(t));
    }
    // A depthwise conv's group follows its channels.
    for (size_t ei = 0; ei < edits.size(); ++ei)
      if (edits[ei].slice.setGroup && uses(edits[ei]) && node->op_type() == "Conv")
        for (auto &a : *node->mutable_attribute())
          if (a.name() == "group")
            a.set_i((int64_t)edits[ei].slice.kept.size());
  }
  for (size_t ei = 0; ei < edits.size(); ++ei)
    if (!used[ei])
      return fail(error,
                  "a weight of node '" +
                      (edits[ei].nodes.empty() ? std::string("?") : edits[ei].nodes.front()) +
                      "' is not an initializer of the model as exported (the importer or a "
                      "graph pass rewrote it), so its pruning cannot be written back");

  // Identity nodes nothing reads any more go, then the initializers no
  // node reads, unless they are also listed as graph inputs (models of IR
  // version < 4).
  std::set<std::string> read, inputs;
  for (const auto &o : g->output())
    read.insert(o.name());
  for (const auto &n : g->node())
    for (const auto &in : n.input())
      read.insert(in);
  google::protobuf::RepeatedPtrField<onnx::NodeProto> live;
  for (auto &n : *g->mutable_node())
    if (n.op_type() != "Identity" || n.output_size() != 1 || read.count(n.output(0)))
      *live.Add() = std::move(n);
  g->mutable_node()->Swap(&live);
  read.clear();
  for (const auto &o : g->output())
    read.insert(o.name());
  for (const auto &n : g->node())
    for (const auto &in : n.input())
      read.insert(in);
  for (const auto &in : g->input())
    inputs.insert(in.name());
  google::protobuf::RepeatedPtrField<onnx::TensorProto> kept;
  for (auto &t : *g->mutable_initializer())
    if (read.count(t.name()) || inputs.count(t.name()))
      *kept.Add() = std::move(t);
  for (auto &t : added)
    *kept.Add() = std::move(t);
  g->mutable_initializer()->Swap(&kept);
  g->clear_value_info();

  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return fail(error, "cannot serialize the pruned model");
  auto out = openOutputFile(outPath, &error);
  if (!out)
    return failure();
  out->os() << bytes;
  out->keep();
  return success();
}
