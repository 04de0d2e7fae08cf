//===- NN.cpp - ONNX neural-network ops to autoglm -----------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Conv, ConvTranspose, Gemm, MatMul, pooling, normalization, softmax,
// Dropout. One rule per ONNX op.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// Window attributes of Conv/ConvTranspose/pools with auto_pad resolved.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads;
};

FailureOr<Window> readWindow(NodeImporter &n, int64_t nd,
                             ArrayRef<int64_t> kernelFromWeight) {
  Window w;
  w.kernel = n.attrInts("kernel_shape");
  if (w.kernel.empty())
    w.kernel.assign(kernelFromWeight.begin(), kernelFromWeight.end());
  if ((int64_t)w.kernel.size() != nd)
    return n.error("kernel_shape has " + Twine(w.kernel.size()) +
                   " entries for " + Twine(nd) + " spatial dims");
  w.strides = n.attrInts("strides");
  if (w.strides.empty())
    w.strides.assign(nd, 1);
  w.dilations = n.attrInts("dilations");
  if (w.dilations.empty())
    w.dilations.assign(nd, 1);
  w.pads = n.attrInts("pads");
  if (w.pads.empty())
    w.pads.assign(2 * nd, 0);
  if ((int64_t)w.strides.size() != nd || (int64_t)w.dilations.size() != nd ||
      (int64_t)w.pads.size() != 2 * nd)
    return n.error("strides/dilations/pads do not match " + Twine(nd) +
                   " spatial dims");
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    w.pads.assign(2 * nd, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    auto in = n.inputType(0);
    for (int64_t i = 0; i < nd; ++i) {
      int64_t d = in.getDimSize(2 + i);
      if (ShapedType::isDynamic(d) || ShapedType::isDynamic(w.kernel[i]))
        return n.error("auto_pad " + autoPad + " needs static spatial dims");
      int64_t out = (d + w.strides[i] - 1) / w.strides[i];
      int64_t total = std::max<int64_t>(
          0, (out - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1 - d);
      int64_t small = total / 2, big = total - small;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : big;
      w.pads[nd + i] = autoPad == "SAME_UPPER" ? big : small;
    }
  } else if (autoPad != "NOTSET") {
    return n.error("unknown auto_pad '" + autoPad + "'");
  }
  return w;
}

LogicalResult importConv(NodeImporter &n) {
  return done(n, makeConv(n, n.input(0), n.input(1), n.input(2), n.outputType(0)));
}

LogicalResult importConvTranspose(NodeImporter &n) {
  auto x = n.inputType(0), w = n.inputType(1);
  if (x.getRank() < 3 || w.getRank() != x.getRank())
    return n.error("expects input and weight of equal rank >= 3");
  int64_t nd = x.getRank() - 2;
  SmallVector<int64_t> kernel(w.getShape().drop_front(2));
  if (!n.attrInts("kernel_shape").empty())
    kernel = n.attrInts("kernel_shape");
  SmallVector<int64_t> strides = n.attrInts("strides"),
                       dil = n.attrInts("dilations"), pads = n.attrInts("pads"),
                       outPad = n.attrInts("output_padding");
  if (strides.empty())
    strides.assign(nd, 1);
  if (dil.empty())
    dil.assign(nd, 1);
  if (pads.empty())
    pads.assign(2 * nd, 0);
  if (outPad.empty())
    outPad.assign(nd, 0);
  if ((int64_t)kernel.size() != nd || (int64_t)strides.size() != nd ||
      (int64_t)dil.size() != nd || (int64_t)pads.size() != 2 * nd ||
      (int64_t)outPad.size() != nd)
    return n.error("window attributes do not match " + Twine(nd) +
                   " spatial dims");
  // Every window value bounded before the arithmetic below (a fuzzed
  // weight with open spatial dims made kernel - 1 overflow).
  constexpr int64_t kMaxWindow = (int64_t)1 << 20;
  for (int64_t i = 0; i < nd; ++i) {
    if (ShapedType::isDynamic(kernel[i]) || kernel[i] < 1 || kernel[i] > kMaxWindow)
      return n.error("the kernel's spatial extents must be static and in 1.." + Twine(kMaxWindow));
    if (strides[i] < 1 || strides[i] > kMaxWindow || dil[i] < 1 || dil[i] > kMaxWindow ||
        outPad[i] < 0 || outPad[i] > kMaxWindow || pads[i] < 0 || pads[i] > kMaxWindow ||
        pads[nd + i] < 0 || pads[nd + i] > kMaxWindow)
      return n.error("strides and dilations must be in 1.." + Twine(kMaxWindow) +
                     ", pads and output_padding in 0.." + Twine(kMaxWindow));
  }
  std::string autoPad = n.attrString("auto_pad", "NOTSET");
  SmallVector<int64_t> outShape = n.attrInts("output_shape");
  for (int64_t v : outShape)
    if (v < 1 || v > ((int64_t)1 << 40))
      return n.error("output_shape values must be in 1..2^40, got " + Twine(v));
  if (!outShape.empty() || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    // Total padding follows from the requested output extent.
    for (int64_t i = 0; i < nd; ++i) {
      int64_t in = x.getDimSize(2 + i);
      if (ShapedType::isDynamic(in))
        return n.error("output_shape/auto_pad need static spatial dims");
      int64_t want = outShape.empty()
                         ? in * strides[i]
                         : outShape[outShape.size() - nd + i];
      int64_t total = strides[i] * (in - 1) + outPad[i] +
                      ((kernel[i] - 1) * dil[i] + 1) - want;
      if (total < 0) {
        outPad[i] += -total;
        total = 0;
      }
      bool upper = autoPad != "SAME_LOWER";
      // ONNX puts the larger half at the end for SAME_UPPER / output_shape.
      pads[i] = upper ? total / 2 : total - total / 2;
      pads[nd + i] = total - pads[i];
    }
  } else if (autoPad == "VALID") {
    pads.assign(2 * nd, 0);
  }
  auto r = n.make<ConvTransposeOp>(n.outputType(0), n.input(0), n.input(1),
                                   n.input(2), strides, dil, pads, outPad,
                                   n.attrInt("group", 1));
  if (failed(r))
    return failure();
  n.setOutput(0, *r);
  return success();
}

LogicalResult importMatMul(NodeImporter &n) {
  auto r = n.make<MatMulOp>(n.outputType(0), n.input(0), n.input(1));
  if (failed(r))
    return failure();
  n.setOutput(0, *r);
  return success();
}

LogicalResult importGemm(NodeImporter &n) {
  auto a = n.inputType(0), bT = n.inputType(1);
  if (a.getRank() != 2 || bT.getRank() != 2)
    return n.error("Gemm expects 2-D A and B");
  Value A = n.input(0), B = n.input(1);
  double alpha = n.attrFloat("alpha", 1.0), beta = n.attrFloat("beta", 1.0);
  if (n.attrInt("transA", 0)) {
    auto t = n.make<TransposeOp>(Type(), A, ArrayRef<int64_t>{1, 0});
    if (failed(t))
      return failure();
    A = *t;
  }
  if (alpha != 1.0) {
    auto s = makeBinary(n, BinaryKind::Mul, A, n.splat(a.getElementType(), alpha));
    if (failed(s))
      return failure();
    A = *s;
  }
  // linear wants W as [N, K].
  if (!n.attrInt("transB", 0)) {
    auto t = n.make<TransposeOp>(Type(), B, ArrayRef<int64_t>{1, 0});
    if (failed(t))
      return failure();
    B = *t;
  }
  Value bias;
  Value C = n.input(2);
  auto wType = cast<RankedTensorType>(B.getType());
  if (C && beta == 1.0) {
    auto c = n.inputType(2);
    int64_t N = wType.getDimSize(0);
    bool vec = (c.getRank() == 1 && c.getDimSize(0) == N && N != 1) ||
               (c.getRank() == 2 && c.getDimSize(0) == 1 && c.getDimSize(1) == N &&
                N != 1);
    if (vec) {
      bias = C;
      if (c.getRank() == 2) {
        auto r = n.make<ReshapeOp>(RankedTensorType::get({N}, c.getElementType()),
                                   C, Value());
        if (failed(r))
          return failure();
        bias = *r;
      }
      C = Value();
    }
  }
  auto y = n.make<LinearOp>(C ? Type() : Type(n.outputType(0)), A, B, bias);
  if (failed(y))
    return failure();
  Value out = *y;
  if (C) {
    if (beta != 1.0) {
      auto s = makeBinary(n, BinaryKind::Mul, C,
                          n.splat(n.inputType(2).getElementType(), beta));
      if (failed(s))
        return failure();
      C = *s;
    }
    auto s = makeBinary(n, BinaryKind::Add, out, C, n.outputType(0));
    if (failed(s))
      return failure();
    out = *s;
  }
  n.setOutput(0, out);
  return success();
}

/// BatchNormalization with training_mode=1 (opset 14+): normalized by the
/// batch's own statistics (mean and population variance over every dim but
/// the channel), and the running mean / variance outputs updated by
/// `momentum`: running = input * momentum + current * (1 - momentum).
LogicalResult importBatchNormTraining(NodeImporter &n) {
  auto x = n.inputType(0);
  if (x.getRank() < 2 || !isa<FloatType>(x.getElementType()))
    return n.error("expects a float input of rank >= 2");
  Type elem = x.getElementType();
  SmallVector<int64_t> axes = {0};
  for (int64_t d = 2; d < x.getRank(); ++d)
    axes.push_back(d);
  auto mean = [&](Value v) {
    return n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), ReduceKind::Mean), v,
                            n.builder().getDenseI64ArrayAttr(axes), n.builder().getBoolAttr(true),
                            n.builder().getBoolAttr(false));
  };
  // A per-channel [C] vector as [1, C, 1...] and back.
  SmallVector<int64_t> bshape(x.getRank(), 1);
  bshape[1] = x.getDimSize(1);
  auto asChannels = [&](Value v) {
    return n.make<ReshapeOp>(RankedTensorType::get(bshape, elem), v, Value());
  };
  auto mu = mean(n.input(0));
  if (failed(mu))
    return failure();
  auto d = makeBinary(n, BinaryKind::Sub, n.input(0), *mu);
  auto sq = failed(d) ? FailureOr<Value>() : makeBinary(n, BinaryKind::Mul, *d, *d);
  auto var = failed(sq) ? FailureOr<Value>() : mean(*sq);
  if (failed(var))
    return failure();
  auto ve = makeBinary(n, BinaryKind::Add, *var, n.splat(elem, n.attrFloat("epsilon", 1e-5)));
  auto inv = failed(ve) ? FailureOr<Value>() : makeUnary(n, UnaryKind::Rsqrt, *ve);
  auto scale = asChannels(n.input(1)), bias = asChannels(n.input(2));
  if (failed(inv) || failed(scale) || failed(bias))
    return failure();
  auto y = makeBinary(n, BinaryKind::Mul, *d, *inv);
  y = failed(y) ? y : makeBinary(n, BinaryKind::Mul, *y, *scale);
  y = failed(y) ? y : makeBinary(n, BinaryKind::Add, *y, *bias, n.outputType(0));
  if (failed(y))
    return failure();
  n.setOutput(0, *y);
  double momentum = n.attrFloat("momentum", 0.9);
  for (auto [out, current, running] :
       {std::tuple<unsigned, Value, unsigned>{1, *mu, 3}, {2, *var, 4}}) {
    if (!n.hasOutput(out))
      continue;
    auto c = n.make<ReshapeOp>(n.inputType(running), current, Value());
    auto kept = makeBinary(n, BinaryKind::Mul, n.input(running), n.splat(elem, momentum));
    auto added = failed(c) ? FailureOr<Value>()
                           : makeBinary(n, BinaryKind::Mul, *c, n.splat(elem, 1 - momentum));
    if (failed(kept) || failed(added))
      return failure();
    auto r = makeBinary(n, BinaryKind::Add, *kept, *added, n.outputType(out));
    if (failed(r))
      return failure();
    n.setOutput(out, *r);
  }
  return success();
}

LogicalResult importBatchNorm(NodeImporter &n) {
  if (n.attrInt("training_mode", 0))
    return importBatchNormTraining(n);
  if (n.hasOutput(1) || n.hasOutput(2))
    return n.error("running mean / var outputs need training_mode=1");
  auto r = n.make<BatchNormOp>(n.outputType(0), n.input(0), n.input(1),
                               n.input(2), n.input(3), n.input(4),
                               llvm::APFloat(n.attrFloat("epsilon", 1e-5)));
  if (failed(r))
    return failure();
  n.setOutput(0, *r);
  return success();
}

/// LayerNormalization whose Mean / InvStdDev outputs are used: spelled out
/// with reductions so every output exists.
LogicalResult importLayerNormWithStats(NodeImporter &n, int64_t axis) {
  auto x = n.inputType(0);
  Type elem = x.getElementType();
  auto axes = llvm::to_vector(llvm::seq<int64_t>(axis, x.getRank()));
  auto mean = [&](Value v) {
    return n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), ReduceKind::Mean),
                            v, n.builder().getDenseI64ArrayAttr(axes),
                            n.builder().getBoolAttr(true),
                            n.builder().getBoolAttr(false));
  };
  auto mu = mean(n.input(0));
  if (failed(mu))
    return failure();
  auto d = makeBinary(n, BinaryKind::Sub, n.input(0), *mu);
  if (failed(d))
    return failure();
  auto sq = makeBinary(n, BinaryKind::Mul, *d, *d);
  if (failed(sq))
    return failure();
  auto var = mean(*sq);
  if (failed(var))
    return failure();
  auto ve = makeBinary(n, BinaryKind::Add, *var,
                       n.splat(elem, n.attrFloat("epsilon", 1e-5)));
  if (failed(ve))
    return failure();
  auto inv = makeUnary(n, UnaryKind::Rsqrt, *ve);
  if (failed(inv))
    return failure();
  auto y = makeBinary(n, BinaryKind::Mul, *d, *inv);
  if (failed(y))
    return failure();
  y = makeBinary(n, BinaryKind::Mul, *y, n.input(1),
                 n.hasInput(2) ? Type() : Type(n.outputType(0)));
  if (failed(y))
    return failure();
  if (n.hasInput(2)) {
    y = makeBinary(n, BinaryKind::Add, *y, n.input(2), n.outputType(0));
    if (failed(y))
      return failure();
  }
  n.setOutput(0, *y);
  n.setOutput(1, *mu);
  n.setOutput(2, *inv);
  return success();
}

LogicalResult importLayerNorm(NodeImporter &n) {
  auto x = n.inputType(0);
  auto axis = n.normAxis(n.attrInt("axis", -1), x.getRank());
  if (failed(axis))
    return failure();
  if (n.hasOutput(1) || n.hasOutput(2))
    return importLayerNormWithStats(n, *axis);
  auto r = n.make<LayerNormOp>(n.outputType(0), n.input(0), n.input(1),
                               n.input(2), *axis, llvm::APFloat(n.attrFloat("epsilon", 1e-5)));
  if (failed(r))
    return failure();
  n.setOutput(0, *r);
  return success();
}

LogicalResult importInstanceNorm(NodeImporter &n) {
  auto x = n.inputType(0);
  if (x.getRank() < 3 || x.isDynamicDim(1))
    return n.error("expects rank >= 3 with a static channel count");
  auto r = n.make<GroupNormOp>(n.outputType(0), n.input(0), n.input(1),
                               n.input(2), x.getDimSize(1),
                               llvm::APFloat(n.attrFloat("epsilon", 1e-5)));
  if (failed(r))
    return failure();
  n.setOutput(0, *r);
  return success();
}

/// MaxPool with its Indices output, for static shapes: the window's taps
/// as strided slices of the input padded with -inf, the first largest tap
/// kept with its flat index into X (row major, or column major over the two
/// spatial dims with storage_order 1, as ONNX defines).
LogicalResult maxPoolWithIndices(NodeImporter &n, const Window &win, ArrayRef<int64_t> extra) {
  auto x = n.inputType(0);
  if (!x.hasStaticShape())
    return n.error("the Indices output needs static shapes");
  if (!isa<FloatType>(x.getElementType()))
    return n.error("the Indices output needs a float input");
  int64_t rank = x.getRank(), nd = rank - 2, N = x.getDimSize(0), C = x.getDimSize(1);
  bool colMajor = n.attrInt("storage_order", 0) != 0;
  if (colMajor && nd != 2)
    return n.error("storage_order 1 is defined for two spatial dims");
  SmallVector<int64_t> in(x.getShape().drop_front(2)), out, padded(2 * rank, 0);
  int64_t taps = 1, spatial = 1;
  for (int64_t i = 0; i < nd; ++i) {
    int64_t eff = (win.kernel[i] - 1) * win.dilations[i] + 1;
    int64_t endPad = win.pads[nd + i] + (extra.empty() ? 0 : extra[nd + i]);
    int64_t o = (in[i] + win.pads[i] + endPad - eff) / win.strides[i] + 1;
    if (o < 1)
      return n.error("the window is larger than the padded input");
    out.push_back(o);
    padded[2 + i] = win.pads[i];
    padded[rank + 2 + i] =
        std::max<int64_t>(0, (o - 1) * win.strides[i] + eff - in[i] - win.pads[i]);
    taps *= win.kernel[i];
    spatial *= in[i];
  }
  if (taps > 1024)
    return n.error("the Indices output supports windows of at most 1024 taps");
  Emitter e(n);
  Type i64 = n.builder().getI64Type();
  Value xp = e.take(n.make<PadOp>(Type(), n.input(0), n.builder().getDenseI64ArrayAttr(padded),
                                  PadModeAttr::get(n.context(), PadMode::Constant),
                                  n.builder().getF64FloatAttr(-INFINITY)));
  SmallVector<int64_t> oshape{1, 1};
  oshape.append(out);
  int64_t outCount = 1;
  for (int64_t o : out)
    outCount *= o;
  // A tap-index constant per tap, and the batch and channel offsets.
  if (failed(checkConstantSize(n, {taps, outCount}, i64)) ||
      failed(checkConstantSize(n, {N, C}, i64)))
    return failure();
  Value best, bestIdx;
  SmallVector<int64_t> k(nd, 0);
  for (int64_t t = 0; t < taps; ++t) {
    // This tap's slice and, per output position, its flat spatial index.
    SmallVector<int64_t> starts(rank, 0), sizes{N, C}, steps(rank, 1);
    sizes.append(out);
    for (int64_t i = 0; i < nd; ++i) {
      starts[2 + i] = k[i] * win.dilations[i];
      steps[2 + i] = win.strides[i];
    }
    Value v = e.ready({xp}) ? e.take(n.make<SliceOp>(Type(), xp, starts, sizes, steps)) : Value();
    SmallVector<int64_t> idx;
    for (int64_t flat = 0; flat < outCount; ++flat) {
      int64_t rest = flat, pos = 0;
      SmallVector<int64_t> h(nd);
      for (int64_t i = nd - 1; i >= 0; --i) {
        int64_t o = rest % out[i];
        rest /= out[i];
        h[i] = o * win.strides[i] - win.pads[i] + k[i] * win.dilations[i];
      }
      bool inside = true;
      for (int64_t i = 0; i < nd; ++i)
        inside &= h[i] >= 0 && h[i] < in[i];
      if (inside) {
        if (colMajor)
          pos = h[1] * in[0] + h[0];
        else
          for (int64_t i = 0; i < nd; ++i)
            pos = pos * in[i] + h[i];
      }
      idx.push_back(pos);
    }
    Value tapIdx =
        n.constant(DenseElementsAttr::get(RankedTensorType::get(oshape, i64), ArrayRef(idx)));
    if (!best) {
      best = v;
      bestIdx =
          e.ready({v})
              ? e.take(n.make<ExpandOp>(
                    RankedTensorType::get(cast<RankedTensorType>(v.getType()).getShape(), i64),
                    tapIdx))
              : Value();
    } else {
      Value better = e.ready({v, best})
                         ? e.take(n.make<CompareOp>(
                               Type(), CompareKindAttr::get(n.context(), CompareKind::GT), v, best))
                         : Value();
      best = e.select(better, v, best);
      bestIdx = e.select(better, tapIdx, bestIdx);
    }
    for (int64_t i = nd - 1; i >= 0; --i) {
      if (++k[i] < win.kernel[i])
        break;
      k[i] = 0;
    }
  }
  // The batch and channel offsets: (n * C + c) * spatial.
  SmallVector<int64_t> base;
  for (int64_t b = 0; b < N * C; ++b)
    base.push_back(b * spatial);
  SmallVector<int64_t> bshape{N, C};
  bshape.append(nd, 1);
  Value offsets =
      n.constant(DenseElementsAttr::get(RankedTensorType::get(bshape, i64), ArrayRef(base)));
  Value indices = e.add(bestIdx, offsets);
  if (e.failed())
    return failure();
  n.setOutput(0, best);
  n.setOutput(1, indices);
  return success();
}

LogicalResult importPool(NodeImporter &n, PoolKind kind) {
  if (n.hasOutput(1) && kind != PoolKind::Max)
    return n.error("only MaxPool has an Indices output");
  auto x = n.inputType(0);
  if (x.getRank() < 3)
    return n.error("expects rank >= 3 (N, C, spatial...)");
  int64_t nd = x.getRank() - 2;
  auto win = readWindow(n, nd, {});
  if (failed(win))
    return failure();
  SmallVector<int64_t> extra;
  if (n.attrInt("ceil_mode", 0)) {
    extra.assign(2 * nd, 0);
    for (int64_t i = 0; i < nd; ++i) {
      int64_t d = x.getDimSize(2 + i);
      if (ShapedType::isDynamic(d)) {
        // Known at run time: pad the end by the most ceil mode can need
        // (stride - 1); the lowering computes the extent (ceil, and no
        // window starting past the input and the begin padding).
        extra[nd + i] = win->strides[i] - 1;
        continue;
      }
      int64_t eff = (win->kernel[i] - 1) * win->dilations[i] + 1;
      int64_t span = d + win->pads[i] + win->pads[nd + i] - eff;
      int64_t out = (span + win->strides[i] - 1) / win->strides[i] + 1;
      // A window must start inside the input or the begin padding.
      if ((out - 1) * win->strides[i] >= d + win->pads[i])
        --out;
      int64_t need = (out - 1) * win->strides[i] + eff - (d + win->pads[i] +
                                                          win->pads[nd + i]);
      extra[nd + i] = std::max<int64_t>(0, need);
    }
  }
  if (n.hasOutput(1))
    return maxPoolWithIndices(n, *win, extra);
  auto r = n.make<PoolOp>(
      n.outputType(0), PoolKindAttr::get(n.context(), kind), n.input(0),
      n.builder().getDenseI64ArrayAttr(win->kernel),
      n.builder().getDenseI64ArrayAttr(win->strides),
      n.builder().getDenseI64ArrayAttr(win->dilations),
      n.builder().getDenseI64ArrayAttr(win->pads),
      n.builder().getDenseI64ArrayAttr(extra),
      n.builder().getBoolAttr(n.attrInt("count_include_pad", 0) != 0),
      n.builder().getI64IntegerAttr(n.attrInt("p", 2)));
  if (failed(r))
    return failure();
  n.setOutput(0, *r);
  return success();
}

/// MaxUnpool: X's values written at their flat indices into zeros of the
/// output shape (the output_shape input when constant, else the declared
/// output, else ONNX's default (in - 1) * stride + kernel - pads).
LogicalResult importMaxUnpool(NodeImporter &n) {
  auto x = n.inputType(0), it = n.inputType(1);
  if (!x.hasStaticShape() || x.getRank() < 3 || it.getShape() != x.getShape())
    return n.error("expects X and I of one static shape [N, C, spatial...]");
  int64_t nd = x.getRank() - 2;
  auto win = readWindow(n, nd, {});
  if (failed(win))
    return failure();
  // ONNX's default output: (in - 1) * stride + kernel - pads. The indices
  // address that shape; an output_shape (larger, for odd inputs) pads it.
  SmallVector<int64_t> shape, dflt(x.getShape().begin(), x.getShape().begin() + 2);
  for (int64_t i = 0; i < nd; ++i)
    dflt.push_back((x.getDimSize(2 + i) - 1) * win->strides[i] + win->kernel[i] - win->pads[i] -
                   win->pads[nd + i]);
  if (n.hasInput(2)) {
    if (auto c = n.constInts(2); succeeded(c))
      shape = *c;
    else if (RankedTensorType o = n.outputType(0); o && o.hasStaticShape())
      shape.assign(o.getShape().begin(), o.getShape().end());
    else
      return n.error("output_shape must be a constant or the output's declared shape");
  } else {
    shape = dflt;
  }
  if ((int64_t)shape.size() != x.getRank() || shape[0] != x.getDimSize(0) ||
      shape[1] != x.getDimSize(1))
    return n.error("the output shape must keep X's batch and channel extents");
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  Emitter e(n);
  Type elem = x.getElementType();
  Value idx = n.input(1);
  if (!it.getElementType().isInteger(64))
    idx =
        e.take(n.make<CastOp>(RankedTensorType::get(it.getShape(), n.builder().getI64Type()), idx));
  if (shape != dflt) {
    // Each index as coordinates of the default shape, placed in the output.
    Type i64 = n.builder().getI64Type();
    Value rest = idx, pos;
    int64_t scale = 1;
    for (int64_t d = x.getRank() - 1; d >= 0; --d) {
      Value coord = e.binary(BinaryKind::Mod, rest, n.splat(i64, (double)dflt[d]));
      rest = e.binary(BinaryKind::Div, rest, n.splat(i64, (double)dflt[d]));
      Value term = e.mul(coord, n.splat(i64, (double)scale));
      pos = pos ? e.add(pos, term) : term;
      scale *= shape[d];
    }
    idx = pos;
  }
  Value flatIdx = e.reshape(idx, {x.getNumElements()});
  Value updates = e.reshape(n.input(0), {x.getNumElements()});
  Value zeros = n.splat(elem, 0.0, {total});
  Value scattered = e.ready({flatIdx, updates})
                        ? e.take(n.make<ScatterElementsOp>(
                              RankedTensorType::get({total}, elem), zeros, flatIdx, updates,
                              n.builder().getI64IntegerAttr(0),
                              ScatterReductionAttr::get(n.context(), ScatterReduction::None)))
                        : Value();
  Value out = e.reshape(scattered, shape);
  if (e.failed())
    return failure();
  n.setOutput(0, out);
  return success();
}

LogicalResult importGlobalPool(NodeImporter &n, ReduceKind kind) {
  auto x = n.inputType(0);
  if (x.getRank() < 3)
    return n.error("expects rank >= 3 (N, C, spatial...)");
  if (kind == ReduceKind::L2 && n.attrInt("p", 2) != 2) {
    int64_t p = n.attrInt("p", 2);
    if (p != 1)
      return n.error("GlobalLpPool supports p = 1 or 2");
    kind = ReduceKind::L1;
  }
  auto axes = llvm::to_vector(llvm::seq<int64_t>(2, x.getRank()));
  auto r = n.make<ReduceOp>(n.outputType(0),
                            ReduceKindAttr::get(n.context(), kind), n.input(0),
                            n.builder().getDenseI64ArrayAttr(axes),
                            n.builder().getBoolAttr(true),
                            n.builder().getBoolAttr(false));
  if (failed(r))
    return failure();
  n.setOutput(0, *r);
  return success();
}

LogicalResult importSoftmax(NodeImporter &n, bool log) {
  auto x = n.inputType(0);
  int64_t rank = x.getRank();
  int64_t dflt = n.opset() >= 13 ? -1 : 1;
  auto axis = n.normAxis(n.attrInt("axis", dflt), rank);
  if (failed(axis))
    return failure();
  if (n.opset() >= 13 || *axis == rank - 1) {
    auto r = n.make<SoftmaxOp>(n.outputType(0), n.input(0), *axis, log);
    if (failed(r))
      return failure();
    n.setOutput(0, *r);
    return success();
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  if (!x.hasStaticShape())
    return n.error("opset < 13 softmax over several dims needs a static shape");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? outer : inner) *= x.getDimSize(i);
  auto flat = n.make<ReshapeOp>(
      RankedTensorType::get({outer, inner}, x.getElementType()), n.input(0),
      Value());
  if (failed(flat))
    return failure();
  auto s = n.make<SoftmaxOp>(Type(), *flat, 1, log);
  if (failed(s))
    return failure();
  auto r = n.make<ReshapeOp>(x, *s, Value());
  if (failed(r))
    return failure();
  n.setOutput(0, *r);
  return success();
}

LogicalResult importDropout(NodeImporter &n) {
  // Inference only: a training-mode Dropout draws random masks.
  bool training = n.attrInt("training_mode", 0) != 0;
  if (n.hasInput(2)) {
    auto t = n.constInts(2);
    if (failed(t) || t->size() != 1)
      return n.error("training_mode must be a constant (inference only)");
    training = (*t)[0] != 0;
  }
  if (training) {
    auto ratio = n.hasInput(1) ? n.constFloats(1) : FailureOr<SmallVector<double>>(
                                                        SmallVector<double>{0.5});
    if (failed(ratio) || ratio->size() != 1 || (*ratio)[0] != 0.0)
      return n.error("training-mode Dropout (random masks) is not supported");
  }
  n.setOutput(0, n.input(0));
  if (n.hasOutput(1)) {
    auto t = n.inputType(0);
    if (!t.hasStaticShape())
      return n.error("the mask output needs a static shape");
    n.setOutput(1, n.splat(n.builder().getI1Type(), 1.0, t.getShape()));
  }
  return success();
}

} // namespace

FailureOr<Value> onnx_import::makeConv(NodeImporter &n, Value input, Value weight, Value bias,
                                       Type resultType) {
  auto x = cast<RankedTensorType>(input.getType()), w = cast<RankedTensorType>(weight.getType());
  if (x.getRank() < 3 || w.getRank() != x.getRank())
    return n.error("expects input and weight of equal rank >= 3");
  int64_t nd = x.getRank() - 2;
  auto win = readWindow(n, nd, w.getShape().drop_front(2));
  if (failed(win))
    return failure();
  return n.make<ConvOp>(resultType, input, weight, bias, win->strides, win->dilations, win->pads,
                        n.attrInt("group", 1));
}

void onnx_import::registerNNRules(RuleTable &t) {
  t["Conv"] = importConv;
  t["ConvTranspose"] = importConvTranspose;
  t["MatMul"] = importMatMul;
  t["Gemm"] = importGemm;
  t["BatchNormalization"] = importBatchNorm;
  t["LayerNormalization"] = importLayerNorm;
  t["InstanceNormalization"] = importInstanceNorm;
  t["MaxPool"] = [](NodeImporter &n) { return importPool(n, PoolKind::Max); };
  t["MaxUnpool"] = importMaxUnpool;
  t["AveragePool"] = [](NodeImporter &n) { return importPool(n, PoolKind::Avg); };
  t["LpPool"] = [](NodeImporter &n) { return importPool(n, PoolKind::Lp); };
  t["GlobalAveragePool"] = [](NodeImporter &n) {
    return importGlobalPool(n, ReduceKind::Mean);
  };
  t["GlobalMaxPool"] = [](NodeImporter &n) {
    return importGlobalPool(n, ReduceKind::Max);
  };
  t["GlobalLpPool"] = [](NodeImporter &n) {
    return importGlobalPool(n, ReduceKind::L2);
  };
  t["Softmax"] = [](NodeImporter &n) { return importSoftmax(n, false); };
  t["LogSoftmax"] = [](NodeImporter &n) { return importSoftmax(n, true); };
  t["Dropout"] = importDropout;
}
