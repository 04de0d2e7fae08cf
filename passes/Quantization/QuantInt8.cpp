//===- QuantInt8.cpp - autoglm-quant-int8 ---------------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Static int8: uint8 activations (asymmetric, per tensor, from the
// calibrated range), int8 weights (symmetric, per output channel), int32
// accumulation over zero-point-centered operands, f32 after the op. Which
// ops, and with which range, was decided before (autoglm-quant-mark and the
// compile session's calibration); this pass only rewrites and records.
// Embedding tables (a Gather of rows of a large f32 constant) become int8
// rows with a scale each, dequantized after the gather: no calibration is
// needed for a weight read as it is.
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "QuantUtils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

namespace mlir::autoglm {
#define GEN_PASS_DEF_QUANTINT8
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

RankedTensorType withElement(Value v, Type elem) {
  return RankedTensorType::get(cast<RankedTensorType>(v.getType()).getShape(), elem);
}

struct QuantInt8Pass : autoglm::impl::QuantInt8Base<QuantInt8Pass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (op->hasAttr(kQuantId) && op->hasAttr(kActRange))
        ops.push_back(op);
    });
    SmallVector<Attribute> report;
    for (Operation *op : ops)
      if (failed(rewrite(op, report)))
        return signalPassFailure();
    getOperation()->walk([](Operation *op) {
      op->removeAttr(kQuantId);
      op->removeAttr(kActRange);
    });
    // The f32 max pools whose bytes replaced them (maxPoolOfBytes).
    getOperation()->walk([](PoolOp p) {
      if (p->use_empty())
        p->erase();
    });
    if (!report.empty())
      getOperation()->setAttr("autoglm.quant_report", ArrayAttr::get(&getContext(), report));
    recordCount(getOperation(), "quantized_int8", (int64_t)ops.size());
    recordCount(getOperation(), "embedding tables int8", quantizeEmbeddings());
  }

  /// A Gather along axis 0 of a rank-2 f32 constant of at least 4096
  /// elements (a transformer's token or position embeddings, often its
  /// largest constant) reads int8 rows (symmetric per row, max |row| / 127)
  /// and the rows' scales, and multiplies them after: the table takes a
  /// quarter of the bytes and each output is within half a step of its row.
  int64_t quantizeEmbeddings() {
    SmallVector<GatherOp> gathers;
    getOperation().walk([&](GatherOp g) {
      auto c = g.getData().getDefiningOp<ConstantOp>();
      auto t = c ? dyn_cast<RankedTensorType>(c.getType()) : RankedTensorType();
      if (g.getAxis() == 0 && t && t.getRank() == 2 && t.hasStaticShape() &&
          t.getElementType().isF32() && t.getNumElements() >= 4096)
        gathers.push_back(g);
    });
    int64_t done = 0;
    for (GatherOp g : gathers) {
      auto c = g.getData().getDefiningOp<ConstantOp>();
      auto t = cast<RankedTensorType>(c.getType());
      std::optional<std::vector<float>> w = constantF32(c);
      auto resTy = dyn_cast<RankedTensorType>(g.getType());
      if (!w || !resTy)
        continue;
      PerChannelInt8 pc = quantizePerChannel(*w, t.getShape(), 0);
      OpBuilder b(g);
      Location loc = g.getLoc();
      std::string name = constantName(c, "table") + ".int8";
      Value q = makeI8Constant(b, loc, t.getShape(), pc.q, name);
      Value s = makeF32Constant(b, loc, {t.getDimSize(0), 1}, pc.scale, name + ".scale");
      SmallVector<int64_t> scaleShape(resTy.getShape());
      scaleShape.back() = 1;
      Value rows =
          GatherOp::create(b, loc, withElement(g.getResult(), b.getI8Type()), q, g.getIndices(), 0);
      Value scales = GatherOp::create(b, loc, RankedTensorType::get(scaleShape, b.getF32Type()), s,
                                      g.getIndices(), 0);
      Value y = CastOp::create(b, loc, resTy, rows);
      y = BinaryOp::create(b, loc, resTy, BinaryKind::Mul, y, scales);
      g.getResult().replaceAllUsesWith(y);
      g.erase();
      ++done;
    }
    return done;
  }

  /// The quantize of a max pool's result is the max pool of its quantized
  /// input (quantizing is monotonic, so it commutes with max, clamping
  /// included, and the padding never wins): for x = max_pool(y), the uint8
  /// x is max_pool(quantize(y)) on bytes, which the layer before writes
  /// from its epilogue, and the pool reads and writes a quarter of the
  /// bytes (resnet18's stem: 3.2 MB in). The pool's other users (a residual
  /// add) read its bytes dequantized: within half a step of the f32 value,
  /// as in a QDQ model. Null where x is not such a pool.
  Value maxPoolOfBytes(OpBuilder &b, Operation *op, Value x, double xs, int64_t xz) {
    auto pool = x.getDefiningOp<PoolOp>();
    if (!pool || pool.getKind() != PoolKind::Max ||
        !getElementTypeOrSelf(pool.getInput().getType()).isF32() ||
        !getElementTypeOrSelf(x.getType()).isF32())
      return {};
    Location loc = pool.getLoc();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(pool);
    Type f32 = b.getF32Type();
    Type u8 = IntegerType::get(b.getContext(), 8, IntegerType::Unsigned);
    Value y = pool.getInput();
    Value yScaled = BinaryOp::create(b, loc, y.getType(), BinaryKind::Mul, y,
                                     scalarConstant(b, loc, f32, 1.0 / xs));
    Value yq =
        QuantizeOp::create(b, loc, withElement(y, u8), yScaled, scalarConstant(b, loc, f32, 1.0),
                           scalarConstant(b, loc, u8, xz), 0);
    auto bytes = cast<PoolOp>(b.clone(*pool));
    bytes->setOperand(0, yq);
    bytes.getResult().setType(withElement(x, u8));
    if (!x.hasOneUse()) {
      Value deq = CastOp::create(b, loc, x.getType(), bytes.getResult());
      deq = BinaryOp::create(b, loc, x.getType(), BinaryKind::Sub, deq,
                             scalarConstant(b, loc, f32, (double)xz));
      deq = BinaryOp::create(b, loc, x.getType(), BinaryKind::Mul, deq,
                             scalarConstant(b, loc, f32, xs));
      x.replaceUsesWithIf(deq, [&](OpOperand &u) { return u.getOwner() != op; });
    }
    return bytes.getResult();
  }

  LogicalResult rewrite(Operation *op, SmallVector<Attribute> &report) {
    int64_t axis = quantWeightAxis(op);
    auto range = op->getAttrOfType<DenseF64ArrayAttr>(kActRange);
    if (axis < 0 || !range || range.size() != 2)
      return op->emitError("autoglm-quant-int8: not a quantizable op with a calibrated range");
    Location loc = op->getLoc();
    OpBuilder b(op);
    MLIRContext *ctx = &getContext();
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    Type u8 = IntegerType::get(ctx, 8, IntegerType::Unsigned);

    // Activation: uint8 over the range widened to hold 0 (so zero padding
    // and ReLU's zeros are exact).
    if (!std::isfinite(range[0]) || !std::isfinite(range[1]))
      return op->emitError("calibrated range of the input is not finite: [")
             << range[0] << ", " << range[1] << "]";
    auto [xs, xz] = activationParams(range[0], range[1]);

    // Weight: int8, symmetric per output channel.
    auto wConst = op->getOperand(1).getDefiningOp<ConstantOp>();
    auto wType = wConst.getType();
    std::optional<std::vector<float>> w = constantF32(wConst);
    if (!w)
      return op->emitError("the weight's data is not readable");
    ArrayRef<int64_t> ws = wType.getShape();
    int64_t channels = ws[axis];
    PerChannelInt8 pc = quantizePerChannel(*w, ws, axis);
    auto channelOf = [&](size_t i) { return pc.channelOf(i); };
    const std::vector<float> &wScale = pc.scale;
    const std::vector<int8_t> &wq = pc.q;

    // x -> uint8; the weight stays int8. The int32 product of the 8-bit
    // operands is sum x * w = sum (x - zx) * w + zx * sum w: the second
    // term, per output channel, is subtracted after. A convolution pads its
    // uint8 input with zx (the quantized 0.0) first.
    // x / xs computed as x * (1 / xs), within an ulp: a multiply where the
    // quantize joins the previous layer's kernel epilogue (a division per
    // 16 lanes cost more there than the vpdpbusd of a 16-channel 1x1 conv).
    // (The report and the QDQ export keep xs.)
    Value x = op->getOperand(0);
    Value xq = maxPoolOfBytes(b, op, x, xs, xz);
    if (!xq) {
      Value xScaled = BinaryOp::create(b, loc, x.getType(), BinaryKind::Mul, x,
                                       scalarConstant(b, loc, f32, 1.0 / xs));
      xq = QuantizeOp::create(b, loc, withElement(x, u8), xScaled, scalarConstant(b, loc, f32, 1.0),
                              scalarConstant(b, loc, u8, xz), 0);
    }
    std::string name = constantName(wConst, "weight") + ".int8";
    Value wi = makeI8Constant(b, loc, ws, wq, name);
    std::vector<int32_t> wSum(channels, 0);
    for (size_t i = 0; i < wq.size(); ++i)
      wSum[channelOf(i)] += wq[i];

    // The int32 product, then f32 with the op's epilogue.
    Value result = op->getResult(0);
    auto accType = withElement(result, i32);
    int64_t rank = cast<RankedTensorType>(result.getType()).getRank();
    Value acc, bias, residual;
    UnaryKindAttr activation;
    FloatAttr alpha, beta;
    int64_t scaleAxis = rank - 1;
    if (auto conv = dyn_cast<ConvOp>(op)) {
      ArrayRef<int64_t> pads = conv.getPads();
      SmallVector<int64_t> zeros(pads.size(), 0);
      if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
        int64_t nd = pads.size() / 2;
        SmallVector<int64_t> all = {0, 0}, shape(cast<RankedTensorType>(xq.getType()).getShape());
        all.append(pads.begin(), pads.begin() + nd);
        all.append({0, 0});
        all.append(pads.begin() + nd, pads.end());
        for (int64_t i = 0; i < nd; ++i)
          if (!ShapedType::isDynamic(shape[2 + i]))
            shape[2 + i] += pads[i] + pads[nd + i];
        xq =
            PadOp::create(b, loc, RankedTensorType::get(shape, u8), xq, b.getDenseI64ArrayAttr(all),
                          PadModeAttr::get(ctx, PadMode::Constant), b.getF64FloatAttr(xz));
      }
      acc = ConvOp::create(b, loc, accType, xq, wi, Value(), Value(), conv.getStridesAttr(),
                           conv.getDilationsAttr(), b.getDenseI64ArrayAttr(zeros),
                           conv.getGroupAttr(), UnaryKindAttr(), FloatAttr(), FloatAttr());
      bias = conv.getBias();
      residual = conv.getResidual();
      activation = conv.getActivationAttr();
      alpha = conv.getActAlphaAttr();
      beta = conv.getActBetaAttr();
      scaleAxis = 1;
    } else if (auto linear = dyn_cast<LinearOp>(op)) {
      acc = LinearOp::create(b, loc, accType, xq, wi, Value());
      bias = linear.getBias();
      activation = linear.getActivationAttr();
      alpha = linear.getActAlphaAttr();
      beta = linear.getActBetaAttr();
    } else {
      auto mm = cast<MatMulOp>(op);
      acc = MatMulOp::create(b, loc, accType, xq, wi);
      activation = mm.getActivationAttr();
      alpha = mm.getActAlphaAttr();
      beta = mm.getActBetaAttr();
    }
    // Per-channel scales (and the bias) shaped to broadcast along the
    // result's channel axis.
    SmallVector<int64_t> bshape(rank, 1);
    bshape[scaleAxis] = channels;
    std::vector<float> scale(channels);
    for (int64_t c = 0; c < channels; ++c)
      scale[c] = (float)xs * wScale[c];
    auto resultType = cast<RankedTensorType>(result.getType());
    if (xz != 0) {
      std::vector<int32_t> comp(channels);
      for (int64_t c = 0; c < channels; ++c)
        comp[c] = (int32_t)xz * wSum[c];
      auto compType = RankedTensorType::get(bshape, i32);
      auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
          ArrayRef<char>((const char *)comp.data(), comp.size() * 4), 64);
      Value compC = ConstantOp::create(
          b, loc,
          DenseResourceElementsAttr::get(compType, name + ".zero_point_sum", std::move(blob)));
      acc = BinaryOp::create(b, loc, accType, BinaryKind::Sub, acc, compC);
    }
    Value y = CastOp::create(b, loc, resultType, acc);
    y = BinaryOp::create(b, loc, resultType, BinaryKind::Mul, y,
                         makeF32Constant(b, loc, bshape, scale, name + ".scale"));
    if (bias) {
      if (cast<RankedTensorType>(bias.getType()).getRank() != rank)
        bias = ReshapeOp::create(b, loc, RankedTensorType::get(bshape, f32), bias, Value());
      y = BinaryOp::create(b, loc, resultType, BinaryKind::Add, y, bias);
    }
    if (residual)
      y = BinaryOp::create(b, loc, resultType, BinaryKind::Add, y, residual);
    if (activation)
      y = UnaryOp::create(b, loc, resultType, activation.getValue(), y, alpha, beta);
    // The report names the op: read before it is erased (ASan caught the
    // read after).
    StringAttr opName = b.getStringAttr(op->getName().getStringRef());
    result.replaceAllUsesWith(y);
    op->erase();

    auto minmax = std::minmax_element(wScale.begin(), wScale.end());
    NamedAttrList entry;
    entry.set("node", b.getStringAttr(nodeName(y.getDefiningOp())));
    entry.set("op", opName);
    entry.set("x_scale", b.getF64FloatAttr(xs));
    entry.set("x_zero_point", b.getI64IntegerAttr((int64_t)xz));
    entry.set("range", b.getDenseF64ArrayAttr({range[0], range[1]}));
    entry.set("w_scale_min", b.getF64FloatAttr(*minmax.first));
    entry.set("w_scale_max", b.getF64FloatAttr(*minmax.second));
    entry.set("w_sqnr_db", b.getF64FloatAttr(pc.sqnrDb(999.0)));
    entry.set("weight_bytes", b.getI64IntegerAttr((int64_t)wq.size()));
    report.push_back(entry.getDictionary(ctx));
    return success();
  }
};

} // namespace
