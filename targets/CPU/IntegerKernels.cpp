//===- IntegerKernels.cpp - register kernels of integer contractions -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The integer forms of autoglm-cpu-vectorize-contractions: the 8-bit "dot4"
// form (AVX512-VNNI vpdpbusd into int32 lanes) and the weight-only int4 form
// (packed nibbles unpacked in registers into f32 FMAs).
//===----------------------------------------------------------------------===//

#include "Contractions.h"
#include "KernelSupport.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::autoglm::cpu::kernels;

/// The 8-bit "dot4" form (lib/Conversion/AutoGLMToLinalg/Int8.cpp): an int32
/// accumulation of extui(X) * extsi(W) over i8 tensors where both inputs'
/// last index is one reduction dim q of extent 4, W's index before it the
/// vector dim V (16 output channels), X does not read V, and R is an output
/// dim X reads and W does not. All extents static. This is what one
/// AVX512-VNNI vpdpbusd computes: 16 lanes, each the dot of 4 unsigned
/// bytes of X with 4 signed bytes of W.
std::optional<KernelDims> autoglm::cpu::kernels::matchDot4(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics() ||
      op.getNumReductionLoops() < 1 || op.getStaticLoopRanges().empty() ||
      llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
    return std::nullopt;
  auto outTy = dyn_cast<RankedTensorType>(op.getDpsInitOperand(0)->get().getType());
  if (!outTy || !outTy.getElementType().isInteger(32))
    return std::nullopt;
  for (OpOperand *in : op.getDpsInputOperands()) {
    auto t = dyn_cast<RankedTensorType>(in->get().getType());
    if (!t || !t.getElementType().isInteger(8))
      return std::nullopt;
  }
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 5)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddIOp>();
  if (!add)
    return std::nullopt;
  Value acc = body.getArgument(2);
  if (add.getLhs() != acc && add.getRhs() != acc)
    return std::nullopt;
  auto mul = (add.getLhs() == acc ? add.getRhs() : add.getLhs()).getDefiningOp<arith::MulIOp>();
  if (!mul)
    return std::nullopt;
  std::optional<unsigned> xIdx, wIdx;
  for (Value m : {mul.getLhs(), mul.getRhs()}) {
    auto arg = [](Value v) -> std::optional<unsigned> {
      auto ba = dyn_cast<BlockArgument>(v);
      if (!ba || ba.getArgNumber() > 1)
        return std::nullopt;
      return ba.getArgNumber();
    };
    if (auto zext = m.getDefiningOp<arith::ExtUIOp>())
      xIdx = arg(zext.getIn());
    else if (auto sext = m.getDefiningOp<arith::ExtSIOp>())
      wIdx = arg(sext.getIn());
  }
  if (!xIdx || !wIdx || *xIdx == *wIdx)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap xm = maps[*xIdx], wm = maps[*wIdx], c = maps[2];
  auto iters = op.getIteratorTypesArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (!c.isProjectedPermutation() || !wm.isProjectedPermutation() || wm.getNumResults() < 2 ||
      xm.getNumResults() < 1)
    return std::nullopt;
  for (unsigned d = 0; d < iters.size(); ++d)
    if (iters[d] == utils::IteratorType::parallel && !c.isFunctionOfDim(d))
      return std::nullopt;
  auto wq = dyn_cast<AffineDimExpr>(wm.getResult(wm.getNumResults() - 1));
  auto wv = dyn_cast<AffineDimExpr>(wm.getResult(wm.getNumResults() - 2));
  auto xq = dyn_cast<AffineDimExpr>(xm.getResult(xm.getNumResults() - 1));
  if (!wq || !wv || !xq || wq != xq)
    return std::nullopt;
  unsigned q = wq.getPosition(), v = wv.getPosition();
  if (iters[q] != utils::IteratorType::reduction || ranges[q] != 4 ||
      iters[v] != utils::IteratorType::parallel || ranges[v] != 16 || xm.isFunctionOfDim(v))
    return std::nullopt;
  for (unsigned i = 0; i + 1 < xm.getNumResults(); ++i)
    if (xm.getResult(i).isFunctionOfDim(q))
      return std::nullopt;
  std::optional<unsigned> r = rowDim(op, v, xm, wm);
  if (!r)
    return std::nullopt;
  KernelDims k{KernelDims::Dot4, v, *r, *wIdx, *xIdx};
  k.q = q;
  // Positions as lanes where C's last dim p is X's position with stride 1
  // (a conv of stride 1, a 1x1 conv) and holds at least 16 of them, and
  // the reduction is short: there the channel-lane tile's transposition
  // costs more than its dot products (mobilenet_v2's 1x1 convs of 16 to 144
  // input channels at 112 to 28 positions ran 12-27% faster), while a
  // long one (resnet18's 3x3 convs of 64 channels and more: 144 steps)
  // loses more to a remainder tile's idle lanes (56 = 3 x 16 + 8) than the
  // transposition costs (int8 resnet18 10.5 -> 12.0 ms). At 14 positions
  // (14 of 16 lanes, masked reads) the 1x1 convs ran 4-8% slower.
  int64_t steps = 1;
  for (unsigned i = 0; i < iters.size(); ++i)
    if (iters[i] == utils::IteratorType::reduction && i != q)
      steps *= ranges[i];
  auto last = dyn_cast<AffineDimExpr>(c.getResult(c.getNumResults() - 1));
  if (!last || last.getPosition() == v || xm.getNumResults() < 2)
    return k;
  unsigned p = last.getPosition();
  AffineExpr xp = xm.getResult(xm.getNumResults() - 2);
  auto at = [&](int64_t value) {
    SmallVector<int64_t> pt(ranges.size(), 0);
    pt[p] = value;
    return AffineMap::get(xm.getNumDims(), 0, xp).compose(pt)[0];
  };
  bool elsewhere = wm.isFunctionOfDim(p);
  for (unsigned i = 0; i + 2 < xm.getNumResults(); ++i)
    elsewhere |= xm.getResult(i).isFunctionOfDim(p);
  if (elsewhere || xm.getNumSymbols() || iters[p] != utils::IteratorType::parallel ||
      ranges[p] < 16 || steps > 48 || at(1) - at(0) != 1 || at(2) - at(0) != 2)
    return k;
  k.v = p;
  k.r = v;
  k.positionLanes = true;
  return k;
}

/// The weight-only int4 form (int4MacBody in
/// lib/Conversion/AutoGLMToLinalg/Contraction.cpp): inputs x_k, x_k+1 (f32),
/// the packed byte p (i8) and the scale s (f32); the body
/// acc + (x_k * (uitofp(p & 15) - 8) + x_k+1 * (uitofp(p >> 4) - 8)) * s.
/// W (p) and s end in the vector dim V, which X does not read; two
/// reduction dims, the group (s reads it) and the pair within it.
std::optional<KernelDims> autoglm::cpu::kernels::matchInt4(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 4 || op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics() ||
      op.getNumReductionLoops() != 2)
    return std::nullopt;
  auto elem = [&](unsigned i) {
    return getElementTypeOrSelf(op.getDpsInputOperand(i)->get().getType());
  };
  auto outTy = dyn_cast<RankedTensorType>(op.getDpsInitOperand(0)->get().getType());
  if (!outTy || !outTy.getElementType().isF32() || !elem(0).isF32() || !elem(1).isF32() ||
      !elem(2).isInteger(8) || !elem(3).isF32())
    return std::nullopt;
  Block &body = op.getRegion().front();
  auto arg = [&](Value v, unsigned i) { return v == body.getArgument(i); };
  auto isInt = [](Value v, int64_t want) {
    APInt c;
    return matchPattern(v, m_ConstantInt(&c)) && c == want;
  };
  // uitofp(nibble) - 8 of the byte: low (p & 15) or high (p >> 4).
  auto weight = [&](Value v, bool low) {
    auto sub = v.getDefiningOp<arith::SubFOp>();
    APFloat eight(0.0f);
    if (!sub || !matchPattern(sub.getRhs(), m_ConstantFloat(&eight)) || !eight.isExactlyValue(8.0))
      return false;
    auto cvt = sub.getLhs().getDefiningOp<arith::UIToFPOp>();
    if (!cvt)
      return false;
    if (low) {
      auto a = cvt.getIn().getDefiningOp<arith::AndIOp>();
      return a && arg(a.getLhs(), 2) && isInt(a.getRhs(), 15);
    }
    auto sh = cvt.getIn().getDefiningOp<arith::ShRUIOp>();
    return sh && arg(sh.getLhs(), 2) && isInt(sh.getRhs(), 4);
  };
  auto product = [&](Value v, unsigned x, bool low) {
    auto m = v.getDefiningOp<arith::MulFOp>();
    return m && ((arg(m.getLhs(), x) && weight(m.getRhs(), low)) ||
                 (arg(m.getRhs(), x) && weight(m.getLhs(), low)));
  };
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || !arg(add.getLhs(), 4))
    return std::nullopt;
  auto scaled = add.getRhs().getDefiningOp<arith::MulFOp>();
  if (!scaled || !arg(scaled.getRhs(), 3))
    return std::nullopt;
  auto sum = scaled.getLhs().getDefiningOp<arith::AddFOp>();
  if (!sum || !product(sum.getLhs(), 0, true) || !product(sum.getRhs(), 1, false))
    return std::nullopt;
  // Nothing else in the body: the 11 ops above and the yield (constants
  // may be in it or captured).
  if (llvm::count_if(body.getOperations(),
                     [](Operation &o) { return !o.hasTrait<OpTrait::ConstantLike>(); }) != 12)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap c = maps[4], wm = maps[2], sm = maps[3];
  auto iters = op.getIteratorTypesArray();
  if (!c.isProjectedPermutation() || !wm.isProjectedPermutation() || !sm.isProjectedPermutation() ||
      wm.getNumResults() == 0 || sm.getNumResults() == 0)
    return std::nullopt;
  for (unsigned d = 0; d < iters.size(); ++d)
    if (iters[d] == utils::IteratorType::parallel && !c.isFunctionOfDim(d))
      return std::nullopt;
  auto last = dyn_cast<AffineDimExpr>(wm.getResult(wm.getNumResults() - 1));
  if (!last || sm.getResult(sm.getNumResults() - 1) != last)
    return std::nullopt;
  unsigned v = last.getPosition();
  if (iters[v] != utils::IteratorType::parallel || maps[0].isFunctionOfDim(v) ||
      maps[1].isFunctionOfDim(v))
    return std::nullopt;
  std::optional<unsigned> r = rowDim(op, v, maps[0], wm);
  if (!r)
    return std::nullopt;
  KernelDims k{KernelDims::Int4, v, *r, 2, 0};
  k.x1Idx = 1;
  k.sIdx = 3;
  return k;
}

/// The dot4 kernel for a tiled op `t` (V: 16 lanes, R: `rows`, the other
/// parallel dims 1): an int32 accumulator of rows x 16 in registers; per
/// point of the reduction dims other than q, one 64-byte read of W (16
/// channels x 4 bytes) and per row the 4 bytes of X broadcast to the 16
/// lanes and one vpdpbusd (LLVM 22 takes its byte operands as <64 x i8>).
void autoglm::cpu::kernels::emitDot4Kernel(IRRewriter &rw, linalg::GenericOp t, const KernelDims &d,
                                           const Fusion &f) {
  Location loc = t.getLoc();
  rw.setInsertionPoint(t);
  SmallVector<int64_t> ranges = t.getStaticLoopRanges();
  SmallVector<AffineMap> maps = t.getIndexingMapsArray();
  int64_t width = ranges[d.v], rows = ranges[*d.r];
  Type i32 = rw.getI32Type(), i8 = rw.getIntegerType(8);
  Value wIn = t.getDpsInputOperand(d.wIdx)->get();
  Value xIn = t.getDpsInputOperand(d.xIdx)->get();
  Value cIn = t.getDpsInitOperand(0)->get();
  auto cTy = cast<RankedTensorType>(cIn.getType());
  CTile tile = CTile::extract(rw, loc, t, d, cTy.getElementType());
  // With a fused epilogue C is its destination (another element type) and
  // the accumulator starts at zero (the dot4 op's fill).
  SmallVector<Value> off;
  if (f.epilogue)
    off = absoluteOffsets(rw, loc, cIn, cTy.getRank());
  Value c0 = arith::ConstantIndexOp::create(rw, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(rw, loc, 1);
  Value zero8 = arith::ConstantOp::create(rw, loc, rw.getIntegerAttr(i8, 0));
  auto accTy = VectorType::get({rows, width}, i32);
  Value zero32 = arith::ConstantOp::create(rw, loc, rw.getI32IntegerAttr(0));
  Value acc = f.fill ? (Value)vector::BroadcastOp::create(rw, loc, accTy, f.fill->getOperand(0))
              : f.epilogue ? (Value)vector::BroadcastOp::create(rw, loc, accTy, zero32)
                           : tile.read(rw, loc, zero32);
  // W's last two dims (16 channels x 4 bytes) as one 64-byte row.
  auto wTy = cast<RankedTensorType>(wIn.getType());
  int64_t wRank = wTy.getRank();
  SmallVector<ReassociationIndices> wAssoc;
  for (int64_t i = 0; i < wRank - 2; ++i)
    wAssoc.push_back({i});
  wAssoc.push_back({wRank - 2, wRank - 1});
  Value wFlat = tensor::CollapseShapeOp::create(rw, loc, wIn, wAssoc);
  SmallVector<unsigned> red;
  auto iters = t.getIteratorTypesArray();
  for (unsigned i = 0; i < iters.size(); ++i)
    if (iters[i] == utils::IteratorType::reduction && i != d.q)
      red.push_back(i);
  SmallVector<Value> lbs, ubs, steps;
  for (unsigned i : red) {
    lbs.push_back(c0);
    ubs.push_back(arith::ConstantIndexOp::create(rw, loc, ranges[i]));
    steps.push_back(c1);
  }
  auto laneTy = VectorType::get({width}, i32);
  auto bytesTy = VectorType::get({4 * width}, i8);
  auto quadTy = VectorType::get({4}, i8);
  auto oneTy = VectorType::get({1}, i32);
  if (d.positionLanes) {
    // 16 lanes whatever the tile's width (a remainder tile reads past its
    // positions as zeros and drops those lanes at the end).
    laneTy = VectorType::get({16}, i32);
    bytesTy = VectorType::get({64}, i8);
    acc = arith::ConstantOp::create(
        rw, loc, DenseElementsAttr::get(VectorType::get({rows, 16}, i32), rw.getI32IntegerAttr(0)));
    if (f.fill)
      acc = vector::BroadcastOp::create(rw, loc, VectorType::get({rows, 16}, i32),
                                        f.fill->getOperand(0));
    else if (!f.epilogue) {
      // (C read into the first `width` lanes.)
      Value c = tile.read(rw, loc, zero32);
      if (width < 16)
        c = vector::InsertStridedSliceOp::create(rw, loc, c, acc, ArrayRef<int64_t>{0, 0},
                                                 ArrayRef<int64_t>{1, 1});
      acc = c;
    }
  }
  // X's last two dims (positions x 4 bytes) as one row, for position lanes.
  Value xFlat;
  if (d.positionLanes) {
    auto xTy = cast<RankedTensorType>(xIn.getType());
    SmallVector<ReassociationIndices> xAssoc;
    for (int64_t i = 0; i < xTy.getRank() - 2; ++i)
      xAssoc.push_back({i});
    xAssoc.push_back({xTy.getRank() - 2, xTy.getRank() - 1});
    xFlat = tensor::CollapseShapeOp::create(rw, loc, xIn, xAssoc);
  }
  // The 4 bytes of `src` at `idx` in every lane, as 64 bytes.
  auto quadBroadcast = [&](OpBuilder &b, Location l, Value src, ValueRange idx) {
    Value q = vector::TransferReadOp::create(b, l, quadTy, src, idx, zero8, ArrayRef<bool>{true});
    Value lanes =
        vector::BroadcastOp::create(b, l, laneTy, vector::BitCastOp::create(b, l, oneTy, q));
    return vector::BitCastOp::create(b, l, bytesTy, lanes).getResult();
  };
  // Row i of the accumulator plus the dot4 of u8 bytes `u` and s8 bytes `s`.
  auto dot = [&](OpBuilder &b, Location l, Value accv, int64_t i, Value u, Value s) {
    Value row = vector::ExtractOp::create(b, l, accv, ArrayRef<int64_t>{i});
    row = autoglm::cpu::intrinsicCall(b, l, t, "llvm.x86.avx512.vpdpbusd.512", laneTy,
                                      ValueRange{row, u, s});
    return vector::InsertOp::create(b, l, row, accv, ArrayRef<int64_t>{i}).getResult();
  };
  scf::LoopNest nest = scf::buildLoopNest(
      rw, loc, lbs, ubs, steps, ValueRange{acc},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) -> scf::ValueVector {
        SmallVector<OpFoldResult> point = loopPoint(b, ranges.size(), red, ivs);
        auto indices = [&](AffineMap map, unsigned drop) {
          return pointIndices(b, l, map, point, drop);
        };
        // The step's one 64-byte read: X (16 positions x 4 bytes) with
        // position lanes, else W (16 channels x 4 bytes); per row the other
        // operand's 4 bytes broadcast.
        Value vec;
        if (d.positionLanes) {
          SmallVector<Value> xIdx = indices(maps[d.xIdx], 1);
          Value pos = xIdx.pop_back_val();
          xIdx.push_back(getValueOrCreateConstantIndexOp(
              b, l,
              affine::makeComposedFoldedAffineApply(b, l, b.getAffineDimExpr(0) * 4,
                                                    ArrayRef<OpFoldResult>{pos})));
          // (A whole tile's read stays in its row: the row holds 16 + kw - 1
          // positions.)
          bool whole = width == 16;
          vec = vector::TransferReadOp::create(b, l, bytesTy, xFlat, xIdx, zero8,
                                               ArrayRef<bool>{whole});
        } else {
          SmallVector<Value> wIdx = indices(maps[d.wIdx], 2);
          wIdx.push_back(c0);
          vec = vector::TransferReadOp::create(b, l, bytesTy, wFlat, wIdx, zero8,
                                               ArrayRef<bool>{true});
        }
        Value accv = args[0];
        for (int64_t i = 0; i < rows; ++i) {
          point[*d.r] = b.getIndexAttr(i);
          // (vpdpbusd takes X's bytes unsigned, W's signed.)
          accv = d.positionLanes
                     ? dot(b, l, accv, i, vec, quadBroadcast(b, l, wIn, indices(maps[d.wIdx], 0)))
                     : dot(b, l, accv, i, quadBroadcast(b, l, xIn, indices(maps[d.xIdx], 0)), vec);
        }
        return {accv};
      });
  Value res = nest.results.front();
  if (d.positionLanes && width < 16)
    res = vector::ExtractStridedSliceOp::create(rw, loc, res, ArrayRef<int64_t>{0, 0},
                                                ArrayRef<int64_t>{rows, width},
                                                ArrayRef<int64_t>{1, 1});
  if (f.epilogue) {
    AffineMap cm = maps[2];
    unsigned posV = *cm.getResultPosition(getAffineDimExpr(d.v, rw.getContext()));
    unsigned posR = *cm.getResultPosition(getAffineDimExpr(*d.r, rw.getContext()));
    res = evalElementwise(rw, loc, f.epilogue, off, posV, posR, rows, width, f.epilogueInput, res);
  }
  tile.write(rw, loc, t, res);
}

/// The weight-only int4 kernel for a tiled op `t` (V: `width` columns, R:
/// `rows`): per pair of k one read of `width` packed bytes, the nibbles
/// split with one AND and one shift in i32 lanes and converted (they hold
/// q + 8). Tiles of one or two rows (a decoder's step) keep, per group of
/// K, two register tiles of unscaled products (even and odd k, so the FMA
/// chains are independent) and each row's sum of x, and at the group's end
/// add (lo + hi) * s - 8 * sum(x) * s. Taller tiles dequantize the two
/// weight vectors in registers (nibble * s - 8 s, one FMA each) and
/// accumulate into one tile, the unpacking shared by all rows.
void autoglm::cpu::kernels::emitInt4Kernel(IRRewriter &rw, linalg::GenericOp t, const KernelDims &d,
                                           const Fusion &f) {
  F32Frame fr = F32Frame::build(rw, t, d, f);
  Location loc = fr.loc;
  int64_t width = fr.width, rows = fr.rows;
  Type f32 = rw.getF32Type(), i8 = rw.getIntegerType(8), i32 = rw.getI32Type();
  auto input = [&](unsigned i) { return t.getDpsInputOperand(i)->get(); };
  Value pad8 = arith::ConstantOp::create(rw, loc, rw.getIntegerAttr(i8, 0));
  auto rowTy = VectorType::get({width}, f32);
  auto colTy = VectorType::get({rows}, f32);
  auto laneTy = VectorType::get({width}, i32);
  SmallVector<unsigned> red;
  auto iters = t.getIteratorTypesArray();
  for (unsigned i = 0; i < iters.size(); ++i)
    if (iters[i] == utils::IteratorType::reduction)
      red.push_back(i);
  unsigned gDim = fr.maps[d.sIdx].isFunctionOfDim(red[0]) ? red[0] : red[1];
  unsigned kDim = gDim == red[0] ? red[1] : red[0];
  auto cst = [&](OpBuilder &b, Location l, int64_t v) {
    return arith::ConstantIndexOp::create(b, l, v).getResult();
  };
  Value zeroAcc = arith::ConstantOp::create(
      rw, loc, DenseElementsAttr::get(fr.accTy, rw.getF32FloatAttr(0.0f)));
  Value zeroCol =
      arith::ConstantOp::create(rw, loc, DenseElementsAttr::get(colTy, rw.getF32FloatAttr(0.0f)));
  Value mask =
      arith::ConstantOp::create(rw, loc, DenseElementsAttr::get(laneTy, rw.getI32IntegerAttr(15)));
  Value four =
      arith::ConstantOp::create(rw, loc, DenseElementsAttr::get(laneTy, rw.getI32IntegerAttr(4)));
  Value minus8 =
      arith::ConstantOp::create(rw, loc, DenseElementsAttr::get(colTy, rw.getF32FloatAttr(-8.0f)));
  // The rows' x of k (xi = xIdx) or k + 1 (x1Idx) at point `p`.
  auto rowsOf = [&](OpBuilder &b, Location l, unsigned xi, SmallVector<OpFoldResult> p) {
    SmallVector<Value> xs;
    for (int64_t i = 0; i < rows; ++i) {
      p[*d.r] = b.getIndexAttr(i);
      xs.push_back(
          tensor::ExtractOp::create(b, l, input(xi), pointIndices(b, l, fr.maps[xi], p, 0)));
    }
    return vector::FromElementsOp::create(b, l, colTy, xs).getResult();
  };
  // The low and high nibbles of the `width` bytes at `p`, as f32.
  auto nibbles = [&](OpBuilder &b, Location l, ArrayRef<OpFoldResult> p) {
    Value bytes = vector::TransferReadOp::create(b, l, VectorType::get({width}, i8), input(d.wIdx),
                                                 pointIndices(b, l, fr.maps[d.wIdx], p, 0), pad8,
                                                 ArrayRef<bool>{true});
    Value wide = arith::ExtUIOp::create(b, l, laneTy, bytes);
    return std::pair<Value, Value>{
        arith::SIToFPOp::create(b, l, rowTy, arith::AndIOp::create(b, l, wide, mask)),
        arith::SIToFPOp::create(b, l, rowTy, arith::ShRUIOp::create(b, l, wide, four))};
  };
  bool perGroup = rows <= 2;
  auto groups = scf::ForOp::create(
      rw, loc, cst(rw, loc, 0), cst(rw, loc, fr.ranges[gDim]), cst(rw, loc, 1), ValueRange{fr.acc},
      [&](OpBuilder &b, Location l, Value g, ValueRange gArgs) {
        SmallVector<OpFoldResult> point(fr.ranges.size(), b.getIndexAttr(0));
        point[gDim] = g;
        Value sv = vector::TransferReadOp::create(b, l, rowTy, input(d.sIdx),
                                                  pointIndices(b, l, fr.maps[d.sIdx], point, 0),
                                                  fr.pad, ArrayRef<bool>{true});
        if (!perGroup) {
          // Taller tiles: weights dequantized in registers, one tile.
          Value s8 = arith::MulFOp::create(
              b, l, sv,
              arith::ConstantOp::create(b, l,
                                        DenseElementsAttr::get(rowTy, b.getF32FloatAttr(-8.0f))));
          auto pairs = scf::ForOp::create(
              b, l, cst(b, l, 0), cst(b, l, fr.ranges[kDim]), cst(b, l, 1), ValueRange{gArgs[0]},
              [&](OpBuilder &ib, Location il, Value k2, ValueRange a) {
                SmallVector<OpFoldResult> p(point);
                p[kDim] = k2;
                auto [lo, hi] = nibbles(ib, il, p);
                Value accv = a[0];
                for (auto [xi, nib] : {std::pair<unsigned, Value>{d.xIdx, lo}, {d.x1Idx, hi}}) {
                  Value w = vector::FMAOp::create(ib, il, nib, sv, s8);
                  accv = vector::OuterProductOp::create(ib, il, fr.accTy, rowsOf(ib, il, xi, p), w,
                                                        accv)
                             .getResult();
                }
                scf::YieldOp::create(ib, il, accv);
              });
          scf::YieldOp::create(b, l, pairs.getResult(0));
          return;
        }
        auto pairs = scf::ForOp::create(
            b, l, cst(b, l, 0), cst(b, l, fr.ranges[kDim]), cst(b, l, 1),
            ValueRange{zeroAcc, zeroAcc, zeroCol},
            [&](OpBuilder &ib, Location il, Value k2, ValueRange a) {
              SmallVector<OpFoldResult> p(point);
              p[kDim] = k2;
              auto [lo, hi] = nibbles(ib, il, p);
              SmallVector<Value> res;
              Value xsum = a[2];
              for (auto [xi, w, partial] :
                   {std::tuple<unsigned, Value, Value>{d.xIdx, lo, a[0]}, {d.x1Idx, hi, a[1]}}) {
                Value xv = rowsOf(ib, il, xi, p);
                res.push_back(
                    vector::OuterProductOp::create(ib, il, fr.accTy, xv, w, partial).getResult());
                xsum = arith::AddFOp::create(ib, il, xsum, xv);
              }
              res.push_back(xsum);
              scf::YieldOp::create(ib, il, res);
            });
        Value sum = arith::AddFOp::create(b, l, pairs.getResult(0), pairs.getResult(1));
        Value sb = vector::BroadcastOp::create(b, l, fr.accTy, sv);
        Value next = vector::FMAOp::create(b, l, sum, sb, gArgs[0]);
        Value corr = arith::MulFOp::create(b, l, pairs.getResult(2), minus8);
        next = vector::OuterProductOp::create(b, l, fr.accTy, corr, sv, next).getResult();
        scf::YieldOp::create(b, l, next);
      });
  fr.finish(rw, t, f, groups.getResult(0));
}
