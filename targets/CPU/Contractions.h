//===- Contractions.h - the register kernels' shared pieces ---------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// What autoglm-cpu-vectorize-contractions (VectorizeContractions.cpp) and
// its integer kernels (IntegerKernels.cpp: the 8-bit dot4 form and the
// weight-only int4 form) share: the kernel's dims, the fused neighbours,
// the C tile and the f32 kernels' frame.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_TARGETS_CPU_CONTRACTIONS_H
#define AUTOGLM_TARGETS_CPU_CONTRACTIONS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::autoglm::cpu::kernels {

/// Loop positions of the kernel's dims and which input is which side.
struct KernelDims {
  enum Kind { OuterProduct, Rows, Dot4, Int4 } kind = OuterProduct;
  unsigned v;                // vector dim
  std::optional<unsigned> r; // row dim
  // OuterProduct: W is read as vectors along V, X as scalars along R.
  // Rows: X is read as vectors along V (X's index is V * stride + ...), W as
  // scalars broadcast.
  unsigned wIdx, xIdx;
  int64_t stride = 1;
  // Rows: X is a zero padding of `padSource` (at `padLow`, same rank as X)
  // that the kernel reads instead, with the border computed (see
  // matchZeroPad).
  Value padSource = {};
  SmallVector<int64_t> padLow = {}, padHigh = {};
  // Dot4: the reduction dim of extent 4 both inputs hold innermost.
  unsigned q = 0;
  // Dot4 with positions as lanes: V is C's last dim, which X reads with
  // stride 1 just before q (16 positions x 4 bytes are one 64-byte read),
  // and R the 16-channel block of W (a 4-byte weight broadcast per row), so
  // a tile is stored in C's order (channel lanes would be transposed).
  bool positionLanes = false;
  // Int4 (an outer product whose W is packed nibbles): X of the odd k
  // (`x1Idx`; xIdx is the even k) and the per-group scales read along V.
  unsigned x1Idx = 0, sIdx = 0;
  // An 8-bit input widened in the body (isF32Mac) is unsigned (uitofp).
  bool widenUnsigned = false;
  bool outer() const { return kind == OuterProduct || kind == Int4; }
};

/// Elementwise ops around a kernel that it computes in registers: the
/// producer of its accumulator's initial value (a fill, or an elementwise
/// generic such as bias [+ residual]) and its one elementwise consumer (an
/// activation, a residual add). Their loop dims are the output's dims.
struct Fusion {
  linalg::FillOp fill;
  linalg::GenericOp init;
  linalg::GenericOp epilogue;
  unsigned epilogueInput = 0; // which input of the epilogue is the kernel's result
  // The accumulator starts at zero and C is the epilogue's destination (a
  // carrier op: see fuseCarrierEpilogue), of any element type.
  bool carrier = false;
};

/// R: the output dim latest in C's layout that X reads and W does not.
std::optional<unsigned> rowDim(linalg::GenericOp op, unsigned v, AffineMap xm, AffineMap wm);

/// The offsets of `v`'s tile in the tensor the tiling started from.
SmallVector<Value> absoluteOffsets(OpBuilder &b, Location loc, Value v, int64_t rank);

/// Evaluates the elementwise body of `g` on [rows, width] vectors of the tile
/// at `off`; input `given` (if any) is `givenValue` instead of a read.
Value evalElementwise(OpBuilder &b, Location loc, linalg::GenericOp g, ArrayRef<Value> off,
                      unsigned posV, unsigned posR, int64_t rows, int64_t width,
                      std::optional<unsigned> given, Value givenValue);

/// A loop point of a kernel's nest over `rank` loops: 0 but at `dims`, where
/// it is the nest's induction variables in order.
inline SmallVector<OpFoldResult> loopPoint(OpBuilder &b, size_t rank, ArrayRef<unsigned> dims,
                                           ValueRange ivs) {
  SmallVector<OpFoldResult> point(rank, b.getIndexAttr(0));
  for (auto [i, dim] : llvm::enumerate(dims))
    point[dim] = ivs[i];
  return point;
}

/// The indices `map` gives at loop point `point` (its results but the last
/// `drop`), folded to constants where they are.
SmallVector<Value> pointIndices(OpBuilder &b, Location l, AffineMap map,
                                ArrayRef<OpFoldResult> point, unsigned drop);

/// The C tile of a tiled kernel op as a 2-D tensor ([width, rows] or
/// [rows, width] in C's order; the accumulator is [rows, width]), and where
/// it goes back.
struct CTile {
  Value c2;
  bool vFirst;
  SmallVector<OpFoldResult> zeros, ones, sizes;
  static CTile extract(IRRewriter &rw, Location loc, linalg::GenericOp t, const KernelDims &d,
                       Type elem) {
    MLIRContext *ctx = rw.getContext();
    SmallVector<int64_t> ranges = t.getStaticLoopRanges();
    int64_t width = ranges[d.v], rows = ranges[*d.r];
    Value cIn = t.getDpsInitOperand(0)->get();
    int64_t rank = cast<RankedTensorType>(cIn.getType()).getRank();
    AffineMap cm = t.getIndexingMapsArray().back();
    unsigned posV = *cm.getResultPosition(getAffineDimExpr(d.v, ctx));
    unsigned posR = *cm.getResultPosition(getAffineDimExpr(*d.r, ctx));
    CTile c;
    c.vFirst = posV < posR;
    c.zeros.assign(rank, rw.getIndexAttr(0));
    c.ones.assign(rank, rw.getIndexAttr(1));
    c.sizes.assign(rank, rw.getIndexAttr(1));
    c.sizes[posV] = rw.getIndexAttr(width);
    c.sizes[posR] = rw.getIndexAttr(rows);
    auto c2Ty = RankedTensorType::get(
        c.vFirst ? ArrayRef<int64_t>{width, rows} : ArrayRef<int64_t>{rows, width}, elem);
    c.c2 = tensor::ExtractSliceOp::create(rw, loc, c2Ty, cIn, c.zeros, c.sizes, c.ones);
    return c;
  }
  /// The accumulator as it is in C (transposed to [rows, width]).
  Value read(IRRewriter &rw, Location loc, Value pad) const {
    auto ty = cast<RankedTensorType>(c2.getType());
    Value c0 = arith::ConstantIndexOp::create(rw, loc, 0);
    Value acc =
        vector::TransferReadOp::create(rw, loc, VectorType::get(ty.getShape(), ty.getElementType()),
                                       c2, ValueRange{c0, c0}, pad, ArrayRef<bool>{true, true});
    return vFirst ? vector::TransposeOp::create(rw, loc, acc, ArrayRef<int64_t>{1, 0}) : acc;
  }
  /// Writes the [rows, width] result back and replaces `t`.
  void write(IRRewriter &rw, Location loc, linalg::GenericOp t, Value res) const {
    if (vFirst)
      res = vector::TransposeOp::create(rw, loc, res, ArrayRef<int64_t>{1, 0});
    Value c0 = arith::ConstantIndexOp::create(rw, loc, 0);
    Value c2New = vector::TransferWriteOp::create(rw, loc, res, c2, ValueRange{c0, c0},
                                                  ArrayRef<bool>{true, true})
                      .getResult();
    rw.replaceOp(t, tensor::InsertSliceOp::create(rw, loc, c2New, t.getDpsInitOperand(0)->get(),
                                                  zeros, sizes, ones));
  }
};

/// What the f32 kernels (emitKernel, emitInt4Kernel) share for a tiled op
/// `t`: its loops and maps, the tile's extents, C's tile and where V and R
/// sit in it, and the accumulator's start: the fused producer (computed
/// here, C is not read) or C.
struct F32Frame {
  Location loc;
  SmallVector<int64_t> ranges;
  SmallVector<AffineMap> maps;
  int64_t width, rows;
  unsigned posV, posR;
  CTile tile;
  SmallVector<Value> off;
  Value pad, acc;
  VectorType accTy;
  static F32Frame build(IRRewriter &rw, linalg::GenericOp t, const KernelDims &d, const Fusion &f) {
    Location loc = t.getLoc();
    MLIRContext *ctx = rw.getContext();
    rw.setInsertionPoint(t);
    SmallVector<int64_t> ranges = t.getStaticLoopRanges();
    SmallVector<AffineMap> maps = t.getIndexingMapsArray();
    int64_t width = ranges[d.v], rows = ranges[*d.r];
    Value cIn = t.getDpsInitOperand(0)->get();
    AffineMap cm = maps.back();
    unsigned posV = *cm.getResultPosition(getAffineDimExpr(d.v, ctx));
    unsigned posR = *cm.getResultPosition(getAffineDimExpr(*d.r, ctx));
    Type f32 = rw.getF32Type();
    CTile tile = CTile::extract(rw, loc, t, d, getElementTypeOrSelf(cIn.getType()));
    Value pad = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0.0f));
    auto accTy = VectorType::get({rows, width}, f32);
    SmallVector<Value> off;
    if (f.init || f.epilogue)
      off = absoluteOffsets(rw, loc, cIn, cast<RankedTensorType>(cIn.getType()).getRank());
    Value acc =
        f.fill   ? (Value)vector::BroadcastOp::create(rw, loc, accTy, f.fill->getOperand(0))
        : f.init ? evalElementwise(rw, loc, f.init, off, posV, posR, rows, width, std::nullopt, {})
        : f.carrier ? (Value)arith::ConstantOp::create(
                          rw, loc, DenseElementsAttr::get(accTy, rw.getZeroAttr(f32)))
                    : tile.read(rw, loc, pad);
    return {loc, ranges, maps, width, rows, posV, posR, tile, off, pad, acc, accTy};
  }
  /// The result `res` through the fused epilogue, written back into C.
  void finish(IRRewriter &rw, linalg::GenericOp t, const Fusion &f, Value res) const {
    if (f.epilogue)
      res =
          evalElementwise(rw, loc, f.epilogue, off, posV, posR, rows, width, f.epilogueInput, res);
    tile.write(rw, loc, t, res);
  }
};

/// The 8-bit dot4 form (an int32 accumulation of extui(X) * extsi(W) in
/// groups of four bytes), or nullopt.
std::optional<KernelDims> matchDot4(linalg::GenericOp op);
/// The weight-only int4 form, or nullopt.
std::optional<KernelDims> matchInt4(linalg::GenericOp op);
/// The kernels of a tiled dot4 / int4 op.
void emitDot4Kernel(IRRewriter &rw, linalg::GenericOp t, const KernelDims &d, const Fusion &f);
void emitInt4Kernel(IRRewriter &rw, linalg::GenericOp t, const KernelDims &d, const Fusion &f);

} // namespace mlir::autoglm::cpu::kernels

#endif // AUTOGLM_TARGETS_CPU_CONTRACTIONS_H
