//===- Shapes.cpp - graph input shapes before import -------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The options that fix or open the graph inputs' extents (--input-shape,
// --dim, --max-dim, --open-inputs, --input-range / dynamic_shape), applied
// to the ModelProto before ONNX shape inference.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"
#include "TensorData.h"
#include "autoglm/Importer/ONNXImporter.h"

#include <fmt/format.h>
#include <set>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

/// Fixes the graph inputs' open extents that --dim / --input-shape give,
/// wherever the name appears in the graph's declared types.
LogicalResult onnx_import::specializeShapes(onnx::ModelProto &model, Location fileLoc,
                                            const ONNXImportOptions &options) {
  auto *g = model.mutable_graph();
  auto inRange = [](int64_t v) { return v >= 0 && v <= kMaxDim; };
  for (const auto &[name, shape] : options.inputShapes) {
    onnx::ValueInfoProto *vi = nullptr;
    for (auto &in : *g->mutable_input())
      if (in.name() == name)
        vi = &in;
    if (!vi)
      return emitError(fileLoc) << "--input-shape: the graph has no input '" << name << "'";
    if (!vi->type().has_tensor_type())
      return emitError(fileLoc) << "--input-shape: input '" << name << "' is not a tensor";
    auto *tshape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (vi->type().tensor_type().has_shape() && tshape->dim_size() != (int)shape.size())
      return emitError(fileLoc) << "--input-shape: input '" << name << "' has rank "
                                << tshape->dim_size() << ", the shape given has " << shape.size()
                                << " extents";
    for (size_t d = 0; d < shape.size(); ++d) {
      if (!inRange(shape[d]))
        return emitError(fileLoc) << "--input-shape: input '" << name << "': extent " << shape[d]
                                  << " is out of range";
      if ((int)d < tshape->dim_size() && tshape->dim(d).has_dim_value() &&
          tshape->dim(d).dim_value() != shape[d])
        return emitError(fileLoc) << "--input-shape: input '" << name << "' has extent "
                                  << tshape->dim(d).dim_value() << " at dim " << d
                                  << ", the shape given says " << shape[d];
    }
    tshape->clear_dim();
    for (int64_t v : shape)
      tshape->add_dim()->set_dim_value(v);
  }
  std::map<std::string, int64_t> dimValues = options.dimValues;
  if (options.tokenShape.size() == 2)
    for (const auto &in : g->input())
      if (in.name() == "input_ids" && in.type().tensor_type().shape().dim_size() == 2)
        for (int d = 0; d < 2; ++d) {
          const auto &dim = in.type().tensor_type().shape().dim(d);
          if (dim.has_dim_param() && !dim.dim_param().empty())
            dimValues.emplace(dim.dim_param(), options.tokenShape[d]);
        }
  if (dimValues.empty() && options.dimBounds.empty())
    return success();
  std::set<std::string> seen;
  auto fix = [&](onnx::ValueInfoProto &vi) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape())
      return;
    for (auto &d : *vi.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim())
      if (d.has_dim_param()) {
        auto it = dimValues.find(d.dim_param());
        if (it == dimValues.end())
          continue;
        seen.insert(d.dim_param());
        d.set_dim_value(it->second);
      }
  };
  std::set<std::string> inputNames;
  for (const auto &in : g->input())
    for (const auto &d : in.type().tensor_type().shape().dim())
      if (d.has_dim_param())
        inputNames.insert(d.dim_param());
  auto checkNames = [&](const std::map<std::string, int64_t> &m, const char *flag,
                        int64_t lo) -> LogicalResult {
    for (const auto &[name, v] : m) {
      if (!inRange(v) || v < lo)
        return emitError(fileLoc) << flag << ": " << name << "=" << v << " is out of range";
      if (!inputNames.count(name)) {
        std::string known;
        for (const auto &n : inputNames)
          known += (known.empty() ? "" : ", ") + n;
        return emitError(fileLoc) << flag << ": no graph input has a dimension named '" << name
                                  << "' (named: " << (known.empty() ? "none" : known) << ")";
      }
      if (flag == llvm::StringRef("--max-dim") && dimValues.count(name))
        return emitError(fileLoc) << "--max-dim and --dim both name '" << name << "'";
    }
    return success();
  };
  if (failed(checkNames(dimValues, "--dim", 0)) ||
      failed(checkNames(options.dimBounds, "--max-dim", 1)))
    return failure();
  for (auto &vi : *g->mutable_input())
    fix(vi);
  for (auto &vi : *g->mutable_output())
    fix(vi);
  for (auto &vi : *g->mutable_value_info())
    fix(vi);
  return success();
}

/// --open-inputs: every static extent of a graph input becomes an open one
/// named "<input>.<dim>", bounded by its declared value; the outputs'
/// declared extents and the intermediate value_info are dropped, so the
/// whole graph is compiled for open extents.
void onnx_import::openInputs(onnx::ModelProto &model, ONNXImportOptions &options) {
  auto *g = model.mutable_graph();
  std::set<std::string> inits;
  for (const auto &init : g->initializer())
    inits.insert(init.name());
  for (auto &in : *g->mutable_input()) {
    if (inits.count(in.name()) || !in.type().has_tensor_type())
      continue;
    auto *shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
    for (int d = 0; d < shape->dim_size(); ++d) {
      auto *dim = shape->mutable_dim(d);
      if (!dim->has_dim_value() || dim->dim_value() <= 0)
        continue;
      std::string name = fmt::format("{}.{}", in.name(), d);
      options.dimBounds[name] = dim->dim_value();
      dim->set_dim_param(name);
    }
  }
  for (auto &out : *g->mutable_output())
    if (out.type().has_tensor_type())
      for (auto &dim : *out.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim())
        if (dim.has_dim_value())
          dim.clear_dim_value();
  g->clear_value_info();
}

/// dynamic_shape per input (ONNXImportOptions::inputRanges) as --dim /
/// --max-dim entries: per dim, equal min and max fix the dim_param, a range
/// keeps it open up to max; a dim the model fixes must lie in the range,
/// and an unnamed open one gets the name "<input>.<dim>".
LogicalResult onnx_import::resolveInputRanges(onnx::ModelProto &model, Location fileLoc,
                                              ONNXImportOptions &options) {
  auto *g = model.mutable_graph();
  auto setOnce = [&](std::map<std::string, int64_t> &m, const std::string &param, int64_t v,
                     const std::string &input) -> LogicalResult {
    auto [it, fresh] = m.try_emplace(param, v);
    if (!fresh && it->second != v)
      return emitError(fileLoc) << "dynamic_shape of '" << input << "': dimension '" << param
                                << "' is also given as " << it->second << ", here " << v;
    return success();
  };
  for (const auto &[name, r] : options.inputRanges) {
    onnx::ValueInfoProto *vi = nullptr;
    for (auto &in : *g->mutable_input())
      if (in.name() == name)
        vi = &in;
    if (!vi || !vi->type().has_tensor_type())
      return emitError(fileLoc) << "dynamic_shape: the graph has no tensor input '" << name << "'";
    auto *shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() != (int)r.max.size())
      return emitError(fileLoc) << "dynamic_shape of '" << name << "': the input has rank "
                                << shape->dim_size() << ", the range " << r.max.size();
    for (int d = 0; d < shape->dim_size(); ++d) {
      auto *dim = shape->mutable_dim(d);
      int64_t lo = r.min[d], hi = r.max[d];
      if (dim->has_dim_value() && dim->dim_value() > 0) {
        if (lo != dim->dim_value() || hi != dim->dim_value())
          return emitError(fileLoc) << "dynamic_shape of '" << name << "': dim " << d
                                    << " is fixed at " << dim->dim_value()
                                    << " by the model, the range says [" << lo << ", " << hi << "]";
        continue;
      }
      if (!dim->has_dim_param() || dim->dim_param().empty())
        dim->set_dim_param(fmt::format("{}.{}", name, d));
      const std::string &param = dim->dim_param();
      if (failed(lo == hi ? setOnce(options.dimValues, param, lo, name)
                          : setOnce(options.dimBounds, param, hi, name)))
        return failure();
      if (lo != hi && failed(setOnce(options.dimMins, param, lo, name)))
        return failure();
    }
  }
  return success();
}
