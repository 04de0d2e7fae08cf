//===- Winograd.cpp - vector kernels for the Winograd transforms ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The conversion writes a 3x3 convolution as Winograd F(2x2, 3x3): an input
// transform, a batched GEMM (the register kernels take it) and an output
// transform, the two transforms as linalg.generic contractions with the
// constant matrices Bt / At as operands and `autoglm.winograd` = "input" /
// "output" (lib/Conversion/AutoGLMToLinalg/Contraction.cpp). As loops they
// would multiply by those matrices' zeros and ones; here each becomes a
// kernel of adds and subtracts on 16-lane vectors:
//
//   input  V[a, b, c, th, tw] = (Bt d Bt^T)[a, b] of the 4x4 patch
//          d[i, j] = xp[0, c, 2th + i, 2tw + j]: per (c, th), 16 tiles
//          along tw at a time; each of the 4 rows read as 2 x 2 vectors
//          and split into its even and odd columns (j = 0..3) by shuffles.
//   output Y[m, th, p, tw, q] = (At M At^T)[p, q] of the 4x4 values
//          M[a, b, th, tw, m]: 16 output channels at a time (M's contiguous
//          dim), per (th, tw); the four results are written across m.
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"
#include "autoglm/Support/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cstring>

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUWINOGRADTRANSFORMS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

constexpr float kBt[16] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};
constexpr float kAt[8] = {1, 1, 1, 0, 0, 1, -1, -1};
constexpr int64_t kLanes = 16;

/// True if `v` is a constant holding exactly `expect` (f32).
bool isConstant(Value v, ArrayRef<float> expect) {
  Attribute attr;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.getElementType().isF32() || type.getNumElements() != (int64_t)expect.size() ||
      !matchPattern(v, m_Constant(&attr)))
    return false;
  std::optional<ArrayRef<char>> raw = autoglm::constantBytes(attr);
  return raw && raw->size() == expect.size() * 4 &&
         std::memcmp(raw->data(), expect.data(), raw->size()) == 0;
}

/// True if the op's accumulator starts at zero (a fill of 0).
bool startsAtZero(linalg::GenericOp op) {
  auto fill = op.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// The shapes the conversion builds (checked, so a generic that merely
/// carries the attribute stays a generic).
/// Three inputs (the matrix twice, then the data), one zero-initialized
/// output, 7 loops.
bool hasTransformOperands(linalg::GenericOp op, ArrayRef<float> matrix) {
  return op.getNumDpsInputs() == 3 && op.getNumDpsInits() == 1 && op.getNumLoops() == 7 &&
         startsAtZero(op) && isConstant(op.getDpsInputs()[0], matrix) &&
         isConstant(op.getDpsInputs()[1], matrix);
}

bool matchesInput(linalg::GenericOp op) {
  if (!hasTransformOperands(op, kBt))
    return false;
  auto xp = dyn_cast<RankedTensorType>(op.getDpsInputs()[2].getType());
  auto v = cast<RankedTensorType>(op.getResult(0).getType());
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineMap xm = AffineMap::get(7, 0,
                                {getAffineConstantExpr(0, ctx), d(2), d(3) * 2 + d(5),
                                 d(4) * 2 + d(6)},
                                ctx);
  return xp && xp.hasStaticShape() && xp.getRank() == 4 && v.hasStaticShape() &&
         v.getRank() == 5 && op.getIndexingMapsArray()[2] == xm &&
         xp.getDimSize(2) >= 2 * v.getDimSize(3) + 2 && xp.getDimSize(3) >= 2 * v.getDimSize(4) + 2;
}

bool matchesOutput(linalg::GenericOp op) {
  if (!hasTransformOperands(op, kAt))
    return false;
  auto m = dyn_cast<RankedTensorType>(op.getDpsInputs()[2].getType());
  auto y = cast<RankedTensorType>(op.getResult(0).getType());
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineMap mm = AffineMap::get(7, 0, {d(5), d(6), d(1), d(3), d(0)}, ctx);
  return m && m.hasStaticShape() && y.hasStaticShape() && y.getRank() == 5 &&
         op.getIndexingMapsArray()[2] == mm && y.getDimSize(0) % kLanes == 0;
}

Value cIdx(OpBuilder &b, Location l, int64_t v) { return arith::ConstantIndexOp::create(b, l, v); }

/// A loop nest over `extents` (one scf.forall when `parallel`, else nested
/// scf.for) whose body yields the slice of `dest` at `offsets(ivs)` of
/// `sizes` (rank-reduced to `sliceTy`) that `body` computes from the slice.
Value sliceLoop(OpBuilder &b, Location l, Value dest, ArrayRef<int64_t> extents, bool parallel,
                RankedTensorType sliceTy,
                function_ref<SmallVector<OpFoldResult>(OpBuilder &, ValueRange)> offsets,
                ArrayRef<int64_t> sizes,
                function_ref<Value(OpBuilder &, Location, ValueRange, Value)> body) {
  auto rank = cast<RankedTensorType>(dest.getType()).getRank();
  SmallVector<OpFoldResult> sz, st(rank, b.getIndexAttr(1));
  for (int64_t s : sizes)
    sz.push_back(b.getIndexAttr(s));
  if (parallel) {
    SmallVector<OpFoldResult> ub;
    for (int64_t e : extents)
      ub.push_back(b.getIndexAttr(e));
    auto forall = scf::ForallOp::create(b, l, ub, ValueRange{dest}, std::nullopt);
    OpBuilder nb = OpBuilder::atBlockBegin(forall.getBody());
    SmallVector<Value> ivs(forall.getInductionVars());
    Value out = forall.getRegionIterArgs()[0];
    SmallVector<OpFoldResult> off = offsets(nb, ivs);
    Value s = tensor::ExtractSliceOp::create(nb, l, sliceTy, out, off, sz, st);
    Value r = body(nb, l, ivs, s);
    nb.setInsertionPoint(forall.getTerminator());
    OpBuilder tb = OpBuilder::atBlockEnd(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(tb, l, r, out, off, sz, st);
    return forall.getResult(0);
  }
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t e : extents) {
    lbs.push_back(cIdx(b, l, 0));
    ubs.push_back(cIdx(b, l, e));
    steps.push_back(cIdx(b, l, 1));
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, l, lbs, ubs, steps, ValueRange{dest},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange args) -> scf::ValueVector {
        SmallVector<OpFoldResult> off = offsets(nb, ivs);
        Value s = tensor::ExtractSliceOp::create(nb, nl, sliceTy, args[0], off, sz, st);
        Value r = body(nb, nl, ivs, s);
        return {tensor::InsertSliceOp::create(nb, nl, r, args[0], off, sz, st).getResult()};
      });
  return nest.results.front();
}

Value addF(OpBuilder &b, Location l, Value x, Value y) {
  return arith::AddFOp::create(b, l, x, y).getResult();
}
Value subF(OpBuilder &b, Location l, Value x, Value y) {
  return arith::SubFOp::create(b, l, x, y).getResult();
}

/// Per-step body of a transform: given the outer loop's ivs, the inner
/// loop's iv and the slice so far, emits one step and returns the slice.
using TransformStep =
    function_ref<Value(OpBuilder &, Location, ValueRange /*outer*/, Value /*inner*/, Value)>;

/// Replaces the transform generic `op` by its kernel: a fresh tensor of the
/// op's result type, filled by sliceLoop over `extents` (slices of
/// `sliceShape` at `offsets` / `sizes`), each slice by an scf.for over
/// [0, innerUb) by `innerStep` running `step`.
void emitTransform(IRRewriter &rw, linalg::GenericOp op, bool parallel,
                   ArrayRef<int64_t> extents, ArrayRef<int64_t> sliceShape,
                   function_ref<SmallVector<OpFoldResult>(OpBuilder &, ValueRange)> offsets,
                   ArrayRef<int64_t> sizes, int64_t innerUb, int64_t innerStep,
                   TransformStep step) {
  Location loc = op.getLoc();
  rw.setInsertionPoint(op);
  auto resTy = cast<RankedTensorType>(op.getResult(0).getType());
  Type f32 = rw.getF32Type();
  Value dest = tensor::EmptyOp::create(rw, loc, resTy.getShape(), f32);
  Value r = sliceLoop(
      rw, loc, dest, extents, parallel, RankedTensorType::get(sliceShape, f32), offsets, sizes,
      [&](OpBuilder &b, Location l, ValueRange ivs, Value slice) -> Value {
        return scf::ForOp::create(
                   b, l, cIdx(b, l, 0), cIdx(b, l, innerUb), cIdx(b, l, innerStep),
                   ValueRange{slice},
                   [&](OpBuilder &ib, Location il, Value iv, ValueRange args) {
                     scf::YieldOp::create(ib, il, step(ib, il, ivs, iv, args[0]));
                   })
            .getResult(0);
      });
  rw.replaceOp(op, r);
}

void emitInput(IRRewriter &rw, linalg::GenericOp op, bool parallel) {
  Value xp = op.getDpsInputs()[2];
  auto vTy = cast<RankedTensorType>(op.getResult(0).getType());
  int64_t C = vTy.getDimSize(2), TH = vTy.getDimSize(3), TW = vTy.getDimSize(4);
  auto vecTy = VectorType::get({kLanes}, rw.getF32Type());
  SmallVector<int64_t> evens, odds;
  for (int64_t i = 0; i < kLanes; ++i) {
    evens.push_back(2 * i);
    odds.push_back(2 * i + 1);
  }
  emitTransform(
      rw, op, parallel, {C, TH}, {4, 4, TW},
      [&](OpBuilder &b, ValueRange ivs) -> SmallVector<OpFoldResult> {
        return {b.getIndexAttr(0), b.getIndexAttr(0), ivs[0], ivs[1], b.getIndexAttr(0)};
      },
      {4, 4, 1, 1, TW}, TW, kLanes,
      [&](OpBuilder &b, Location l, ValueRange ivs, Value tw0, Value acc) -> Value {
        Value c = ivs[0], th = ivs[1];
        Value pad = arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0f));
        Value base = arith::MulIOp::create(b, l, tw0, cIdx(b, l, 2));
        Value row0 = arith::MulIOp::create(b, l, th, cIdx(b, l, 2));
        auto read = [&](Value row, int64_t col) {
          Value at = arith::AddIOp::create(b, l, base, cIdx(b, l, col));
          return vector::TransferReadOp::create(b, l, vecTy, xp,
                                                ValueRange{cIdx(b, l, 0), c, row, at}, pad,
                                                ArrayRef<bool>{false})
              .getResult();
        };
        // d[i][j]: row i of the patches, column j (the even / odd columns
        // of [2 tw0, 2 tw0 + 32) and of [2 tw0 + 2, ...)).
        Value dd[4][4];
        for (int64_t i = 0; i < 4; ++i) {
          Value row = arith::AddIOp::create(b, l, row0, cIdx(b, l, i));
          Value a = read(row, 0), a2 = read(row, kLanes), s = read(row, 2),
                s2 = read(row, kLanes + 2);
          dd[i][0] = vector::ShuffleOp::create(b, l, vecTy, a, a2, evens);
          dd[i][1] = vector::ShuffleOp::create(b, l, vecTy, a, a2, odds);
          dd[i][2] = vector::ShuffleOp::create(b, l, vecTy, s, s2, evens);
          dd[i][3] = vector::ShuffleOp::create(b, l, vecTy, s, s2, odds);
        }
        // Bt applied to the rows, then to the columns.
        Value t[4][4], v[4][4];
        for (int64_t j = 0; j < 4; ++j) {
          t[0][j] = subF(b, l, dd[0][j], dd[2][j]);
          t[1][j] = addF(b, l, dd[1][j], dd[2][j]);
          t[2][j] = subF(b, l, dd[2][j], dd[1][j]);
          t[3][j] = subF(b, l, dd[1][j], dd[3][j]);
        }
        for (int64_t a = 0; a < 4; ++a) {
          v[a][0] = subF(b, l, t[a][0], t[a][2]);
          v[a][1] = addF(b, l, t[a][1], t[a][2]);
          v[a][2] = subF(b, l, t[a][2], t[a][1]);
          v[a][3] = subF(b, l, t[a][1], t[a][3]);
        }
        for (int64_t a = 0; a < 4; ++a)
          for (int64_t bb = 0; bb < 4; ++bb)
            acc = vector::TransferWriteOp::create(b, l, v[a][bb], acc,
                                                  ValueRange{cIdx(b, l, a), cIdx(b, l, bb), tw0},
                                                  ArrayRef<bool>{false})
                      .getResult();
        return acc;
      });
}

void emitOutput(IRRewriter &rw, linalg::GenericOp op, bool parallel) {
  Value m5 = op.getDpsInputs()[2];
  auto yTy = cast<RankedTensorType>(op.getResult(0).getType());
  int64_t M = yTy.getDimSize(0), TH = yTy.getDimSize(1), TW = yTy.getDimSize(3);
  auto vecTy = VectorType::get({kLanes}, rw.getF32Type());
  // Writes along the slice's first dim (output channels).
  AffineMap acrossM = AffineMap::get(4, 0, {rw.getAffineDimExpr(0)}, rw.getContext());
  auto firstChannel = [&](OpBuilder &b, Location l, Value block) -> Value {
    return arith::MulIOp::create(b, l, block, cIdx(b, l, kLanes));
  };
  emitTransform(
      rw, op, parallel, {M / kLanes, TH}, {kLanes, 2, TW, 2},
      [&](OpBuilder &b, ValueRange ivs) -> SmallVector<OpFoldResult> {
        return {firstChannel(b, op.getLoc(), ivs[0]), ivs[1], b.getIndexAttr(0),
                b.getIndexAttr(0), b.getIndexAttr(0)};
      },
      {kLanes, 1, 2, TW, 2}, TW, 1,
      [&](OpBuilder &b, Location l, ValueRange ivs, Value tw, Value acc) -> Value {
        Value m0 = firstChannel(b, l, ivs[0]), th = ivs[1];
        Value pad = arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0f));
        Value mv[4][4];
        for (int64_t a = 0; a < 4; ++a)
          for (int64_t bb = 0; bb < 4; ++bb)
            mv[a][bb] = vector::TransferReadOp::create(
                            b, l, vecTy, m5,
                            ValueRange{cIdx(b, l, a), cIdx(b, l, bb), th, tw, m0}, pad,
                            ArrayRef<bool>{true})
                            .getResult();
        // At applied to the columns, then to the rows.
        Value s[4][2], y[2][2];
        for (int64_t a = 0; a < 4; ++a) {
          s[a][0] = addF(b, l, addF(b, l, mv[a][0], mv[a][1]), mv[a][2]);
          s[a][1] = subF(b, l, subF(b, l, mv[a][1], mv[a][2]), mv[a][3]);
        }
        for (int64_t q = 0; q < 2; ++q) {
          y[0][q] = addF(b, l, addF(b, l, s[0][q], s[1][q]), s[2][q]);
          y[1][q] = subF(b, l, subF(b, l, s[1][q], s[2][q]), s[3][q]);
        }
        for (int64_t p = 0; p < 2; ++p)
          for (int64_t q = 0; q < 2; ++q)
            acc = vector::TransferWriteOp::create(
                      b, l, y[p][q], acc,
                      ValueRange{cIdx(b, l, 0), cIdx(b, l, p), tw, cIdx(b, l, q)},
                      AffineMapAttr::get(acrossM), b.getBoolArrayAttr({true}))
                      .getResult();
        return acc;
      });
}

struct CPUWinogradTransformsPass
    : autoglm::impl::CPUWinogradTransformsBase<CPUWinogradTransformsPass> {
  using CPUWinogradTransformsBase::CPUWinogradTransformsBase;
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> inputs, outputs;
    getOperation().walk([&](linalg::GenericOp op) {
      auto kind = op->getAttrOfType<StringAttr>("autoglm.winograd");
      if (!kind)
        return;
      if (kind.getValue() == "input" && matchesInput(op))
        inputs.push_back(op);
      else if (kind.getValue() == "output" && matchesOutput(op))
        outputs.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (linalg::GenericOp op : inputs)
      emitInput(rw, op, parallel);
    for (linalg::GenericOp op : outputs)
      emitOutput(rw, op, parallel);
  }
};

} // namespace
