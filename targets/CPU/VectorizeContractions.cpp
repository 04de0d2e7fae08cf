//===- VectorizeContractions.cpp - register kernels for contractions *- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A multiply-accumulate linalg.generic whose operands split into a "vector"
// side W (its last dim is a parallel dim V of the output, and it does not
// depend on a second output dim R) and a "broadcast" side X (depends on R,
// not on V, through any affine expression) is computed as a register tile of
// `rows` values of R by `width` values of V:
//
//   acc[rows][width] = C tile
//   for every reduction point p:          (all reduction dims, in order)
//     w = W[.., p, v0 : v0 + width]       (one contiguous vector read)
//     x[i] = X[f(r0 + i, p)]              (rows scalars, any affine index)
//     acc += outer(x, w)                  (rows x width FMAs)
//   C tile = acc
//
// A convolution lowered with blocked weights ([G, Mg/B, Cg, K..., B]) is
// exactly this with V = output channel and R = output width, whatever the
// stride, dilation or padding: X's index ow * s + kw * d is a scalar address.
// A matmul (blocked constant weight [N/B, K, B] or plain B[k, n]) is this
// with R = m and V = n.
//
// The "rows" form covers what has no such split (depthwise convs): the
// output's last dim V is read by X as its last index V * s + (reductions);
// per reduction point each row does one vector read of X (strided: the span
// read whole, every s-th lane kept) and an FMA with a broadcast scalar of W.
//===----------------------------------------------------------------------===//

#include "Contractions.h"
#include "KernelSupport.h"
#include "autoglm/Target/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <functional>
#include <map>

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUVECTORIZECONTRACTIONS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm::cpu::kernels;

namespace {

/// True for an f32 linalg.generic on tensors with two inputs, one init and
/// the body `out + a * b` (either operand order), or with one input an int8
/// widened in the body, `out + a * sitofp(b)` (a weight-only int8 weight;
/// `widened` says which input) or `uitofp(b)` (an 8-bit depthwise conv's
/// activation; `widenedUnsigned` is set).
bool isF32Mac(linalg::GenericOp op, int *widened = nullptr, bool *widenedUnsigned = nullptr) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics())
    return false;
  auto outTy = dyn_cast<RankedTensorType>(op.getDpsInitOperand(0)->get().getType());
  if (!outTy || !outTy.getElementType().isF32())
    return false;
  Block &body = op.getRegion().front();
  size_t count = body.getOperations().size();
  if (count != 3 && count != 4)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body.getArgument(2);
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  auto mul = (add.getLhs() == acc ? add.getRhs() : add.getLhs()).getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1);
  Value l = mul.getLhs(), r = mul.getRhs();
  int cast = -1;
  // Look through one sitofp / uitofp of an int8 block argument.
  bool isUnsigned = false;
  for (Value *v : {&l, &r}) {
    Operation *c = v->getDefiningOp();
    if (!isa_and_nonnull<arith::SIToFPOp, arith::UIToFPOp>(c) ||
        !c->getOperand(0).getType().isInteger(8) || count != 4)
      continue;
    *v = c->getOperand(0);
    cast = *v == a ? 0 : *v == b ? 1 : -2;
    isUnsigned = isa<arith::UIToFPOp>(c);
  }
  if (cast == -2 || (count == 4) != (cast >= 0))
    return false;
  if (widened)
    *widened = cast;
  if (widenedUnsigned)
    *widenedUnsigned = isUnsigned;
  return (l == a && r == b) || (l == b && r == a);
}

/// The coefficient of dim `d` in the pure affine `e` (others at 0).
std::optional<int64_t> coefficient(AffineExpr e, unsigned d, unsigned numDims) {
  if (!e.isPureAffine())
    return std::nullopt;
  MLIRContext *ctx = e.getContext();
  auto at = [&](int64_t v) -> std::optional<int64_t> {
    SmallVector<AffineExpr> dims(numDims, getAffineConstantExpr(0, ctx));
    dims[d] = getAffineConstantExpr(v, ctx);
    auto c = dyn_cast<AffineConstantExpr>(simplifyAffineExpr(e.replaceDims(dims), 0, 0));
    return c ? std::optional<int64_t>(c.getValue()) : std::nullopt;
  };
  auto a = at(0), b = at(1);
  if (!a || !b)
    return std::nullopt;
  return *b - *a;
}

/// The depthwise form: C's last dim V is read by one input X as its last
/// index V * stride + (reductions), by nothing else of X, and not at all by
/// the other input W. Rows are C's dim before V.
std::optional<KernelDims> matchRows(linalg::GenericOp op) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap c = maps[2];
  if (c.getNumResults() == 0)
    return std::nullopt;
  unsigned v = cast<AffineDimExpr>(c.getResult(c.getNumResults() - 1)).getPosition();
  for (unsigned x = 0; x < 2; ++x) {
    AffineMap xm = maps[x], wm = maps[1 - x];
    if (xm.getNumResults() == 0 || wm.isFunctionOfDim(v))
      continue;
    bool vElsewhere = false;
    for (unsigned i = 0; i + 1 < xm.getNumResults(); ++i)
      vElsewhere |= xm.getResult(i).isFunctionOfDim(v);
    auto s = coefficient(xm.getResult(xm.getNumResults() - 1), v, xm.getNumDims());
    if (vElsewhere || !s || *s < 1 || *s > 4)
      continue;
    KernelDims d{KernelDims::Rows, v, std::nullopt, 1 - x, x, *s};
    if (c.getNumResults() >= 2)
      d.r = cast<AffineDimExpr>(c.getResult(c.getNumResults() - 2)).getPosition();
    return d;
  }
  return std::nullopt;
}

} // namespace

/// R: the output dim latest in C's layout that X reads and W does not; one
/// of extent 1 only if no other qualifies (a [65, 1, 256] input read
/// through its unit dim made 1-row tiles).
std::optional<unsigned> autoglm::cpu::kernels::rowDim(linalg::GenericOp op, unsigned v,
                                                      AffineMap xm, AffineMap wm) {
  std::optional<unsigned> r, unitR;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (AffineExpr e : op.getIndexingMapsArray().back().getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    if (d != v && xm.isFunctionOfDim(d) && !wm.isFunctionOfDim(d))
      (ranges[d] == 1 ? unitR : r) = d;
  }
  return r ? r : unitR;
}

namespace {

std::optional<KernelDims> matchKernel(linalg::GenericOp op) {
  int widened = -1;
  bool widenedUnsigned = false;
  if (!isF32Mac(op, &widened, &widenedUnsigned) || op.getNumReductionLoops() == 0)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap c = maps[2];
  auto iters = op.getIteratorTypesArray();
  if (!c.isProjectedPermutation())
    return std::nullopt;
  // Every parallel dim is an output dim (tiles of 1 or the kernel's).
  for (unsigned d = 0; d < iters.size(); ++d)
    if (iters[d] == utils::IteratorType::parallel && !c.isFunctionOfDim(d))
      return std::nullopt;
  for (unsigned w = 0; w < 2; ++w) {
    AffineMap wm = maps[w], xm = maps[1 - w];
    if (!wm.isProjectedPermutation() || wm.getNumResults() == 0)
      continue;
    auto last = dyn_cast<AffineDimExpr>(wm.getResult(wm.getNumResults() - 1));
    if (!last)
      continue;
    unsigned v = last.getPosition();
    if (iters[v] != utils::IteratorType::parallel || xm.isFunctionOfDim(v))
      continue;
    if (std::optional<unsigned> r = rowDim(op, v, xm, wm)) {
      KernelDims k{KernelDims::OuterProduct, v, *r, w, 1 - w};
      k.widenUnsigned = widenedUnsigned;
      return k;
    }
  }
  // The rows form reads W as f32 scalars and X as f32 or 8-bit vectors.
  std::optional<KernelDims> k = matchRows(op);
  if (k && widened >= 0 && (unsigned)widened != k->xIdx)
    return std::nullopt;
  if (k)
    k->widenUnsigned = widenedUnsigned;
  return k;
}

/// An all-parallel generic with the identity output map whose inputs are read
/// through projected permutations and whose body is elementwise arith/math
/// (each op can take vectors): what the kernels can evaluate on a tile.
bool isFusibleElementwise(linalg::GenericOp g, RankedTensorType outTy, bool anyElement = false) {
  if (!g || !g.hasPureTensorSemantics() || g.getNumDpsInits() != 1 ||
      g.getNumReductionLoops() != 0 ||
      cast<RankedTensorType>(g.getResult(0).getType()).getShape() != outTy.getShape() ||
      (!anyElement && g.getResult(0).getType() != outTy) ||
      !g.getIndexingMapsArray().back().isIdentity() ||
      g.payloadUsesValueFromOperand(g.getDpsInitOperand(0)))
    return false;
  // i1 tensors are not read as vectors: LLVM's vector<N x i1> in memory is
  // bit-packed, the buffers hold a byte per element.
  for (OpOperand *in : g.getDpsInputOperands()) {
    auto t = dyn_cast<RankedTensorType>(in->get().getType());
    if (!g.getMatchingIndexingMap(in).isProjectedPermutation() || !t ||
        t.getElementType().getIntOrFloatBitWidth() < 8)
      return false;
  }
  for (Operation &op : g.getRegion().front().without_terminator()) {
    if (!autoglm::cpu::isVectorizableBodyOp(op))
      return false;
    for (Value v : op.getOperands())
      if (!v.getType().isIntOrIndexOrFloat())
        return false;
  }
  return true;
}

/// The init producer and epilogue consumer of `op` that its kernel can take.
Fusion findFusion(linalg::GenericOp op, DominanceInfo &dom, bool anyElement = false) {
  Fusion f;
  auto outTy = cast<RankedTensorType>(op.getResult(0).getType());
  Value init = op.getDpsInitOperand(0)->get();
  // CSE merges the bias broadcasts of convolutions and linears that share a
  // bias constant (torch's constant folding shares equal biases, e.g. the
  // zero ones); each op gets its own copy, which its kernel then fuses.
  if (!init.hasOneUse()) {
    Operation *producer = init.getDefiningOp();
    auto g = dyn_cast_or_null<linalg::GenericOp>(producer);
    if (producer && (isa<linalg::FillOp>(producer) || isFusibleElementwise(g, outTy))) {
      OpBuilder b(op);
      op.getDpsInitOperand(0)->set(b.clone(*producer)->getResult(0));
      init = op.getDpsInitOperand(0)->get();
    }
  }
  if (init.hasOneUse()) {
    if (auto fill = init.getDefiningOp<linalg::FillOp>())
      f.fill = fill;
    else if (auto g = init.getDefiningOp<linalg::GenericOp>(); isFusibleElementwise(g, outTy))
      f.init = g;
  }
  if (op.getResult(0).hasOneUse()) {
    OpOperand &use = *op.getResult(0).getUses().begin();
    auto g = dyn_cast<linalg::GenericOp>(use.getOwner());
    // Its other inputs and captured values must exist where the kernel is.
    // (With `anyElement` the kernels are built where the consumer is: see
    // fuseDot4Epilogue.)
    auto available = [&](Value v) { return anyElement || dom.properlyDominates(v, op); };
    bool allAvailable = g && llvm::all_of(g.getDpsInputOperands(), [&](OpOperand *in) {
      return in == &use || available(in->get());
    });
    if (g)
      g.getRegion().walk([&](Operation *inner) {
        for (Value v : inner->getOperands())
          if (v.getParentRegion() != &g.getRegion() &&
              !g.getRegion().isAncestor(v.getParentRegion()) && !available(v))
            allAvailable = false;
      });
    if (g && allAvailable && isFusibleElementwise(g, outTy, anyElement) && g.isDpsInput(&use) &&
        g.getMatchingIndexingMap(&use).isIdentity()) {
      f.epilogue = g;
      f.epilogueInput = use.getOperandNumber();
    }
  }
  return f;
}

} // namespace

/// The offsets of `slice`'s tile in the tensor the tiling started from:
/// follows extract_slices and loop-carried tensors (scf.for iter_args,
/// scf.forall shared_outs) up to a value defined outside them.
SmallVector<Value> autoglm::cpu::kernels::absoluteOffsets(OpBuilder &b, Location loc, Value v,
                                                          int64_t rank) {
  SmallVector<Value> off(rank, arith::ConstantIndexOp::create(b, loc, 0));
  while (true) {
    if (auto es = v.getDefiningOp<tensor::ExtractSliceOp>()) {
      if (es.getSourceType().getRank() != rank)
        break;
      for (auto [i, o] : llvm::enumerate(es.getMixedOffsets()))
        off[i] =
            b.createOrFold<arith::AddIOp>(loc, off[i], getValueOrCreateConstantIndexOp(b, loc, o));
      v = es.getSource();
      continue;
    }
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg)
      break;
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<scf::ForOp>(owner)) {
      if (OpOperand *init = loop.getTiedLoopInit(arg)) {
        v = init->get();
        continue;
      }
    } else if (auto forall = dyn_cast<scf::ForallOp>(owner)) {
      if (OpOperand *init = forall.getTiedLoopInit(arg)) {
        v = init->get();
        continue;
      }
    }
    break;
  }
  return off;
}

namespace {

/// A [rows, width] vector of `t` (a tensor read through `map` from the
/// output's dims) over the tile at `off` whose V and R dims are at posV and
/// posR: slices of one element are broadcast, [R, V] tiles transposed.
Value readTile(OpBuilder &b, Location loc, Value t, AffineMap map, ArrayRef<Value> off,
               unsigned posV, unsigned posR, int64_t rows, int64_t width) {
  auto ty = cast<RankedTensorType>(t.getType());
  Type elem = ty.getElementType();
  SmallVector<OpFoldResult> offs, sizes, strides;
  std::optional<unsigned> atV, atR;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    unsigned dim = cast<AffineDimExpr>(e).getPosition();
    offs.push_back(off[dim]);
    int64_t size = dim == posV ? width : dim == posR ? rows : 1;
    if (dim == posV)
      atV = i;
    if (dim == posR)
      atR = i;
    sizes.push_back(b.getIndexAttr(size));
    strides.push_back(b.getIndexAttr(1));
  }
  auto accTy = VectorType::get({rows, width}, elem);
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  if (!atV && !atR) {
    SmallVector<Value> idx;
    for (OpFoldResult o : offs)
      idx.push_back(getValueOrCreateConstantIndexOp(b, loc, o));
    return vector::BroadcastOp::create(b, loc, accTy, tensor::ExtractOp::create(b, loc, t, idx));
  }
  if (atV && !atR) {
    auto sliceTy = RankedTensorType::get({width}, elem);
    Value s = tensor::ExtractSliceOp::create(b, loc, sliceTy, t, offs, sizes, strides);
    Value v = vector::TransferReadOp::create(b, loc, VectorType::get({width}, elem), s,
                                             ValueRange{c0}, pad, ArrayRef<bool>{true});
    return vector::BroadcastOp::create(b, loc, accTy, v);
  }
  if (!atV && atR) {
    auto sliceTy = RankedTensorType::get({rows}, elem);
    Value s = tensor::ExtractSliceOp::create(b, loc, sliceTy, t, offs, sizes, strides);
    Value v = vector::TransferReadOp::create(b, loc, VectorType::get({rows}, elem), s,
                                             ValueRange{c0}, pad, ArrayRef<bool>{true});
    Value bc = vector::BroadcastOp::create(b, loc, VectorType::get({width, rows}, elem), v);
    return vector::TransposeOp::create(b, loc, bc, ArrayRef<int64_t>{1, 0});
  }
  bool vFirst = *atV < *atR;
  auto sliceTy = RankedTensorType::get(vFirst ? ArrayRef<int64_t>{width, rows}
                                              : ArrayRef<int64_t>{rows, width},
                                       elem);
  Value s = tensor::ExtractSliceOp::create(b, loc, sliceTy, t, offs, sizes, strides);
  Value v = vector::TransferReadOp::create(b, loc, VectorType::get(sliceTy.getShape(), elem),
                                           s, ValueRange{c0, c0}, pad,
                                           ArrayRef<bool>{true, true});
  return vFirst ? vector::TransposeOp::create(b, loc, v, ArrayRef<int64_t>{1, 0}).getResult()
                : v;
}

} // namespace

/// Evaluates the elementwise body of `g` on [rows, width] vectors of the tile
/// at `off`; input `given` (if any) is `givenValue` instead of a read.
Value autoglm::cpu::kernels::evalElementwise(OpBuilder &b, Location loc, linalg::GenericOp g,
                                             ArrayRef<Value> off, unsigned posV, unsigned posR,
                                             int64_t rows, int64_t width,
                                             std::optional<unsigned> given, Value givenValue) {
  Block &body = g.getRegion().front();
  IRMapping map;
  for (OpOperand *in : g.getDpsInputOperands()) {
    unsigned n = in->getOperandNumber();
    Value v = given && *given == n
                  ? givenValue
                  : readTile(b, loc, in->get(), g.getMatchingIndexingMap(in), off, posV,
                             posR, rows, width);
    map.map(body.getArgument(n), v);
  }
  auto vecOf = [&](Type t) { return VectorType::get({rows, width}, t); };
  autoglm::cpu::cloneOnVectors(b, loc, body, map, vecOf);
  // The yielded value may come from outside the body (`yield %cst`).
  return autoglm::cpu::vectorOf(b, loc, cast<linalg::YieldOp>(body.getTerminator()).getOperand(0),
                                map, vecOf);
}

namespace {

/// The `span`-lane reads of a rows kernel's X row at tile-relative indices
/// `xIdx` (tile offsets `xOff`), taken from the zero padding's source: the
/// row `xIdx` names and, for stride 2, the one `width - 1` further. Padded
/// dims other than the last are clamped into the source and the read masked
/// off where they were out of it; along the last dim lanes past the end read
/// zeros (an out-of-bounds transfer) and a read that starts before the row
/// (only the row's first tile, at a static offset) reads from 0 and shifts
/// the zeros in.
std::pair<Value, Value> readPaddedRow(OpBuilder &b, Location l, const KernelDims &d,
                                      ArrayRef<Value> xIdx, ArrayRef<Value> xOff,
                                      int64_t span, int64_t width) {
  Value src = d.padSource;
  auto srcTy = cast<RankedTensorType>(src.getType());
  Type elem = srcTy.getElementType();
  int64_t rank = srcTy.getRank();
  AffineExpr s0 = b.getAffineSymbolExpr(0), s1 = b.getAffineSymbolExpr(1);
  SmallVector<Value> at;
  Value valid;
  for (int64_t p = 0; p < rank; ++p) {
    Value a = getValueOrCreateConstantIndexOp(
        b, l,
        affine::makeComposedFoldedAffineApply(b, l, s0 + s1 - d.padLow[p], {xOff[p], xIdx[p]}));
    int64_t n = srcTy.getDimSize(p);
    if (p + 1 < rank && (d.padLow[p] != 0 || d.padHigh[p] != 0)) {
      std::optional<int64_t> c = getConstantIntValue(a);
      // A row statically above or below the source is zeros.
      if (c && (*c < 0 || *c >= n)) {
        Value zeros = arith::ConstantOp::create(
            b, l,
            DenseElementsAttr::get(VectorType::get({span}, srcTy.getElementType()),
                                   b.getZeroAttr(srcTy.getElementType())));
        return {zeros, zeros};
      }
      if (!c) {
        Value zero = arith::ConstantIndexOp::create(b, l, 0);
        Value last = arith::ConstantIndexOp::create(b, l, n - 1);
        Value in = arith::AndIOp::create(
            b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, a, zero),
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, a, last));
        valid = valid ? arith::AndIOp::create(b, l, valid, in).getResult() : in;
        a = arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, a, last), zero);
      }
    }
    at.push_back(a);
  }
  auto spanTy = VectorType::get({span}, elem);
  Value mask;
  if (valid)
    mask = vector::BroadcastOp::create(b, l, VectorType::get({span}, b.getI1Type()), valid);
  Value pad = arith::ConstantOp::create(b, l, b.getZeroAttr(elem));
  AffineMap minor = AffineMap::getMinorIdentityMap(rank, 1, b.getContext());
  ArrayAttr oob = b.getBoolArrayAttr({false});
  auto read = [&](OpBuilder &rb, Location rl, Value start) {
    SmallVector<Value> idx(at);
    idx.back() = start;
    return vector::TransferReadOp::create(rb, rl, spanTy, src, idx, minor, pad, mask, oob)
        .getResult();
  };
  // The static part of the last index (kw d, unrolled) decides whether the
  // first tile's read starts before the row.
  int64_t rel = *getConstantIntValue(xIdx.back());
  auto readAt = [&](int64_t extra) -> Value {
    Value start = arith::AddIOp::create(
        b, l, at.back(), arith::ConstantIndexOp::create(b, l, extra));
    int64_t firstStart = rel + extra - d.padLow.back();
    if (firstStart >= 0)
      return read(b, l, start);
    int64_t shift = -firstStart;
    Value before = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, start,
                                         arith::ConstantIndexOp::create(b, l, 0));
    auto ifOp = scf::IfOp::create(
        b, l, before,
        [&](OpBuilder &tb, Location tl) {
          Value v = read(tb, tl, arith::ConstantIndexOp::create(tb, tl, 0));
          Value zeros = arith::ConstantOp::create(
              tb, tl, DenseElementsAttr::get(spanTy, tb.getZeroAttr(elem)));
          SmallVector<int64_t> lanes;
          for (int64_t j = 0; j < span; ++j)
            lanes.push_back(j < shift ? 0 : span + j - shift);
          scf::YieldOp::create(tb, tl,
                               vector::ShuffleOp::create(tb, tl, spanTy, zeros, v, lanes)
                                   .getResult());
        },
        [&](OpBuilder &eb, Location el) {
          scf::YieldOp::create(eb, el, read(eb, el, start));
        });
    return ifOp.getResult(0);
  };
  Value first = readAt(0);
  return {first, d.stride == 2 ? readAt(width - 1) : first};
}

} // namespace

/// The indices `map` gives at loop point `point` (its results but the last
/// `drop`), folded to constants where they are.
SmallVector<Value> autoglm::cpu::kernels::pointIndices(OpBuilder &b, Location l, AffineMap map,
                                                       ArrayRef<OpFoldResult> point,
                                                       unsigned drop) {
  SmallVector<Value> idx;
  for (AffineExpr e : map.getResults().drop_back(drop))
    idx.push_back(getValueOrCreateConstantIndexOp(
        b, l,
        affine::makeComposedFoldedAffineApply(
            b, l, AffineMap::get(map.getNumDims(), 0, e, b.getContext()), point)));
  return idx;
}

namespace {

/// Replaces the tiled op `t` (V and R at the kernel's extents, other parallel
/// dims 1) by the register-tile loop nest.
void emitKernel(IRRewriter &rw, linalg::GenericOp t, const KernelDims &d, const Fusion &f) {
  if (d.kind == KernelDims::Dot4)
    return emitDot4Kernel(rw, t, d, f);
  if (d.kind == KernelDims::Int4)
    return emitInt4Kernel(rw, t, d, f);
  F32Frame fr = F32Frame::build(rw, t, d, f);
  Location loc = fr.loc;
  ArrayRef<int64_t> ranges = fr.ranges;
  ArrayRef<AffineMap> maps = fr.maps;
  int64_t width = fr.width, rows = fr.rows;
  Value pad = fr.pad, acc = fr.acc;
  VectorType accTy = fr.accTy;
  bool outer = d.outer();
  Type f32 = rw.getF32Type();
  Value wIn = t.getDpsInputOperand(d.wIdx)->get();
  Value xIn = t.getDpsInputOperand(d.xIdx)->get();
  Value c0 = arith::ConstantIndexOp::create(rw, loc, 0);
  Type i8 = rw.getIntegerType(8);
  bool wInt8 = getElementTypeOrSelf(wIn.getType()).isInteger(8);
  bool xInt8 = getElementTypeOrSelf(xIn.getType()).isInteger(8);
  Value pad8 = arith::ConstantOp::create(rw, loc, rw.getIntegerAttr(i8, 0));

  // The reduction loops, in the op's order, carrying the accumulator.
  SmallVector<unsigned> red;
  auto iters = t.getIteratorTypesArray();
  for (unsigned i = 0; i < iters.size(); ++i)
    if (iters[i] == utils::IteratorType::reduction)
      red.push_back(i);
  // Rows reading the source of a zero padding instead of X: the reduction
  // dim in X's last index (kw) is unrolled here, so each read's offset in
  // the row is static where it may cross the left border. A tile that does
  // not start the row begins at least `width` outputs in, past the border.
  AffineMap xm = maps[d.xIdx];
  int64_t xRank = xm.getNumResults();
  std::optional<unsigned> kwDim;
  bool virt = !outer && d.padSource && d.padLow.back() <= width * d.stride;
  for (unsigned i = 0; i < ranges.size(); ++i) {
    if (!xm.getResult(xRank - 1).isFunctionOfDim(i) || i == d.v)
      continue;
    virt &= !kwDim && iters[i] == utils::IteratorType::reduction &&
            !ShapedType::isDynamic(ranges[i]) && ranges[i] <= 16;
    kwDim = i;
  }
  SmallVector<Value> xOff;
  if (virt)
    xOff = absoluteOffsets(rw, loc, xIn, xRank);
  // Rows with few taps (a depthwise 3x3, 5x5, 7x7): every reduction dim
  // unrolled, so the reads of X are grouped by the element they start at
  // and each is read (and widened, for 8 bits) once for every tap and row
  // that uses it: a 3x3 stride-1 tile of 14 rows reads 16 x 3 rows, not
  // 14 x 9.
  int64_t taps = 1;
  for (unsigned i : red)
    taps = ShapedType::isDynamic(ranges[i]) ? INT64_MAX : taps * std::min<int64_t>(ranges[i], 64);
  bool unrollAll = !outer && taps <= 49 && taps * rows <= 49 * 16;
  SmallVector<unsigned> loopRed;
  for (unsigned i : red)
    if (!unrollAll && (!virt || !kwDim || i != *kwDim))
      loopRed.push_back(i);
  SmallVector<Value> lbs, ubs, steps;
  Value c1 = arith::ConstantIndexOp::create(rw, loc, 1);
  // (An open reduction extent, as the key length of attention's second
  // matmul, bounds its loop at run time.)
  SmallVector<Range, 4> loopRanges;
  if (llvm::any_of(red, [&](unsigned i) { return ShapedType::isDynamic(ranges[i]); }))
    loopRanges = cast<linalg::LinalgOp>(t.getOperation()).createLoopRanges(rw, loc);
  for (unsigned i : loopRed) {
    lbs.push_back(c0);
    ubs.push_back(ShapedType::isDynamic(ranges[i])
                      ? getValueOrCreateConstantIndexOp(rw, loc, loopRanges[i].size)
                      : arith::ConstantIndexOp::create(rw, loc, ranges[i]).getResult());
    steps.push_back(c1);
  }
  auto rowTy = VectorType::get({width}, f32);
  auto colTy = VectorType::get({rows}, f32);
  // Rows form with stride 2: two reads of `width` elements, [0, width) and
  // [width - 1, 2 width - 1), which together hold the 2 width - 1 elements a
  // row spans; one two-source shuffle keeps the even ones (one vpermt2ps for
  // 16 lanes). Other strides: the (width - 1) * s + 1 elements read whole,
  // then every s-th kept.
  int64_t span = d.stride == 2 ? width : (width - 1) * d.stride + 1;
  auto spanTy = VectorType::get({span}, f32);
  SmallVector<int64_t> everyS;
  for (int64_t i = 0; i < width; ++i)
    everyS.push_back(d.stride != 2 || 2 * i < width ? i * d.stride : width + 2 * i - (width - 1));
  scf::LoopNest nest = scf::buildLoopNest(
      rw, loc, lbs, ubs, steps, ValueRange{acc},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) -> scf::ValueVector {
        SmallVector<OpFoldResult> point = loopPoint(b, ranges.size(), loopRed, ivs);
        auto indices = [&](AffineMap map) { return pointIndices(b, l, map, point, 0); };
        if (outer) {
          // rows scalars of X times one vector of W. A weight-only int8
          // input is read as bytes and widened in registers.
          Value wv;
          if (wInt8) {
            wv = vector::TransferReadOp::create(b, l, VectorType::get({width}, i8), wIn,
                                                indices(maps[d.wIdx]), pad8, ArrayRef<bool>{true});
            wv = d.widenUnsigned ? (Value)arith::UIToFPOp::create(b, l, rowTy, wv)
                                 : (Value)arith::SIToFPOp::create(b, l, rowTy, wv);
          } else {
            wv = vector::TransferReadOp::create(b, l, rowTy, wIn, indices(maps[d.wIdx]), pad,
                                                ArrayRef<bool>{true});
          }
          SmallVector<Value> xs;
          for (int64_t i = 0; i < rows; ++i) {
            point[*d.r] = b.getIndexAttr(i);
            Value x = tensor::ExtractOp::create(b, l, xIn, indices(maps[d.xIdx]));
            if (xInt8)
              x = d.widenUnsigned ? (Value)arith::UIToFPOp::create(b, l, f32, x)
                                  : (Value)arith::SIToFPOp::create(b, l, f32, x);
            xs.push_back(x);
          }
          Value xv = vector::FromElementsOp::create(b, l, colTy, xs);
          return {vector::OuterProductOp::create(b, l, accTy, xv, wv, args[0]).getResult()};
        }
        // One X row (`span` lanes, strided rows shuffled) at tile-relative
        // indices `xIdx`, as f32.
        auto readX = [&](SmallVector<Value> xIdx) {
          Value xv, second;
          if (virt) {
            std::tie(xv, second) = readPaddedRow(b, l, d, xIdx, xOff, span, width);
            if (matchPattern(xv, m_Zero()) || matchPattern(xv, m_AnyZeroFloat()))
              return (Value)arith::ConstantOp::create(
                  b, l, DenseElementsAttr::get(rowTy, b.getZeroAttr(f32)));
          } else {
            // 8-bit rows are read as bytes, the lanes kept, then widened.
            VectorType readTy = xInt8 ? VectorType::get({span}, i8) : spanTy;
            Value readPad = xInt8 ? pad8 : pad;
            xv = vector::TransferReadOp::create(b, l, readTy, xIn, xIdx, readPad,
                                                ArrayRef<bool>{true});
            second = xv;
            if (d.stride == 2) {
              xIdx.back() = arith::AddIOp::create(b, l, xIdx.back(),
                                                  arith::ConstantIndexOp::create(b, l, width - 1));
              second = vector::TransferReadOp::create(b, l, readTy, xIn, xIdx, readPad,
                                                      ArrayRef<bool>{true});
            }
          }
          if (d.stride > 1)
            xv = vector::ShuffleOp::create(
                b, l, VectorType::get({width}, getElementTypeOrSelf(xv.getType())), xv, second,
                everyS);
          if (xInt8)
            xv = d.widenUnsigned ? (Value)arith::UIToFPOp::create(b, l, rowTy, xv)
                                 : (Value)arith::SIToFPOp::create(b, l, rowTy, xv);
          return xv;
        };
        Value accv = args[0];
        if (unrollAll) {
          // Every (tap, row) by the X element its read starts at, in X's
          // order: each read feeds its FMAs at once and dies.
          std::map<SmallVector<int64_t>, SmallVector<std::pair<SmallVector<int64_t>, int64_t>>>
              byStart;
          SmallVector<int64_t> at(ranges.size(), 0);
          std::function<void(size_t)> visit = [&](size_t k) {
            if (k == red.size()) {
              for (int64_t i = 0; i < rows; ++i) {
                at[*d.r] = i;
                SmallVector<int64_t> tap;
                for (unsigned rd : red)
                  tap.push_back(at[rd]);
                byStart[xm.compose(at)].push_back({tap, i});
              }
              at[*d.r] = 0;
              return;
            }
            for (int64_t v = 0; v < ranges[red[k]]; ++v) {
              at[red[k]] = v;
              visit(k + 1);
            }
            at[red[k]] = 0;
          };
          visit(0);
          auto setPoint = [&](ArrayRef<int64_t> tap, int64_t i) {
            for (auto [rd, v] : llvm::zip(red, tap))
              point[rd] = b.getIndexAttr(v);
            point[*d.r] = b.getIndexAttr(i);
          };
          for (auto &[start, uses] : byStart) {
            setPoint(uses.front().first, uses.front().second);
            Value xv = readX(indices(maps[d.xIdx]));
            // A row wholly in the zero padding adds nothing (as every conv
            // library skips the padding's taps).
            if (matchPattern(xv, m_AnyZeroFloat()))
              continue;
            for (auto &[tap, i] : uses) {
              setPoint(tap, i);
              Value wb = vector::BroadcastOp::create(
                  b, l, rowTy, tensor::ExtractOp::create(b, l, wIn, indices(maps[d.wIdx])));
              Value row = vector::ExtractOp::create(b, l, accv, ArrayRef<int64_t>{i});
              row = vector::FMAOp::create(b, l, xv, wb, row);
              accv = vector::InsertOp::create(b, l, row, accv, ArrayRef<int64_t>{i});
            }
          }
          return {accv};
        }
        // Per row: one vector of X (a strided row) times a broadcast of W.
        bool wPerRow = maps[d.wIdx].isFunctionOfDim(*d.r);
        int64_t kwCount = virt && kwDim ? ranges[*kwDim] : 1;
        for (int64_t kw = 0; kw < kwCount; ++kw) {
          if (virt && kwDim)
            point[*kwDim] = b.getIndexAttr(kw);
          Value wb;
          for (int64_t i = 0; i < rows; ++i) {
            point[*d.r] = b.getIndexAttr(i);
            if (!wb || wPerRow)
              wb = vector::BroadcastOp::create(
                  b, l, rowTy, tensor::ExtractOp::create(b, l, wIn, indices(maps[d.wIdx])));
            Value xv = readX(indices(maps[d.xIdx]));
            Value row = vector::ExtractOp::create(b, l, accv, ArrayRef<int64_t>{i});
            row = vector::FMAOp::create(b, l, xv, wb, row);
            accv = vector::InsertOp::create(b, l, row, accv, ArrayRef<int64_t>{i});
          }
        }
        return {accv};
      });
  fr.finish(rw, t, f, nest.results.front());
}

/// The V extent of a tile, or 0 if V should be split first.
int64_t pickWidth(const KernelDims &d, int64_t extent, int64_t vectorWidth) {
  if (d.outer()) {
    if (extent <= vectorWidth)
      return extent;
    for (int64_t w : {vectorWidth, vectorWidth / 2, vectorWidth / 4})
      if (w >= 8 && extent % w == 0)
        return w;
    return 0;
  }
  // Dot4: 16 lanes (the channel block, or 16 positions and a remainder).
  if (d.kind == KernelDims::Dot4)
    return extent % 16 == 0 ? 16 : extent <= 16 ? extent : 0;
  // Rows: whole registers (LLVM scalarizes the odd lanes of, say, a
  // 56-lane vector): the widest of 64, 32, 16, 8 lanes (16 at most for
  // strided rows, whose shuffle must fit one register) dividing V; a short
  // V (up to 16) whole.
  for (int64_t w : {64, 32, 16, 8})
    if (w <= (d.stride > 1 ? 16 : 64) && extent % w == 0)
      return w;
  return extent <= 16 ? extent : 0;
}

/// The most rows of a tile: about `accumulators` registers of 16 lanes,
/// rows x width / 16 each (the int4 kernel's tiles of up to two rows hold
/// three such tiles, which fits).
int64_t rowBudget(const KernelDims &d, int64_t width, int64_t accumulators) {
  int64_t perRow = std::max<int64_t>(1, (width + 15) / 16);
  return std::max<int64_t>(1, accumulators / perRow);
}

/// Tiles `op` to width x rows register tiles and emits the kernel for each.
bool tileAndEmit(IRRewriter &rw, linalg::GenericOp op, const KernelDims &d, int64_t width,
                 int64_t accumulators, bool parallel, const Fusion &f) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t maxRows = rowBudget(d, width, accumulators);
  int64_t rowTile = 1;
  for (int64_t r = std::min(maxRows, ranges[*d.r]); r >= 1; --r)
    if (ranges[*d.r] % r == 0) {
      rowTile = r;
      break;
    }
  // Rows no good tile divides (65 = 5 x 13): whole tiles of maxRows and a
  // remainder op of fewer rows.
  if (2 * rowTile < maxRows && ranges[*d.r] > maxRows) {
    rw.setInsertionPoint(op);
    auto [head, tail] =
        linalg::splitOp(rw, cast<TilingInterface>(op.getOperation()), *d.r,
                        rw.getIndexAttr(ranges[*d.r] / maxRows * maxRows));
    if (!head || !tail)
      return false;
    bool h = tileAndEmit(rw, cast<linalg::GenericOp>(head.getOperation()), d, width,
                         accumulators, parallel, f);
    bool t = tileAndEmit(rw, cast<linalg::GenericOp>(tail.getOperation()), d, width,
                         accumulators, parallel, f);
    return h && t;
  }
  auto iters = op.getIteratorTypesArray();
  SmallVector<int64_t> sizes(ranges.size(), 0);
  for (unsigned i = 0; i < ranges.size(); ++i)
    if (iters[i] == utils::IteratorType::parallel)
      sizes[i] = 1;
  sizes[d.v] = width;
  sizes[*d.r] = rowTile;
  // Tile loops over the dims the vector side (W) reads go outermost: all
  // row tiles then reuse one W panel while it is in cache (a linear's
  // [N/32, K, 32] panel per column block, not the whole weight per row tile).
  SmallVector<int64_t> order;
  if (d.kind != KernelDims::Rows) {
    AffineMap wm = op.getIndexingMapsArray()[d.wIdx];
    for (unsigned i = 0; i < ranges.size(); ++i)
      if (iters[i] == utils::IteratorType::parallel && i != d.v && wm.isFunctionOfDim(i))
        order.push_back(i);
    for (unsigned i = 0; i < ranges.size(); ++i)
      if (!llvm::is_contained(order, (int64_t)i))
        order.push_back(i);
  }
  auto tiled = autoglm::cpu::tileOp(rw, cast<TilingInterface>(op.getOperation()), sizes,
                                    parallel, order);
  if (failed(tiled))
    return false;
  for (Operation *t : *tiled)
    emitKernel(rw, cast<linalg::GenericOp>(t), d, f);
  return true;
}

/// The kernels computed the fused ops: the accumulator's producer is no
/// longer read (its destination stands in for it) and the consumer's
/// result is the kernels'.
void retireFused(IRRewriter &rw, Fusion f) {
  if (f.fill)
    rw.replaceAllUsesWith(f.fill.getResult(0), f.fill.getDpsInitOperand(0)->get());
  if (f.init)
    rw.replaceAllUsesWith(f.init.getResult(0), f.init.getDpsInitOperand(0)->get());
  if (f.epilogue)
    rw.replaceOp(f.epilogue, f.epilogue->getOperand(f.epilogueInput));
}

/// An op whose only open extent is its row dim R (a linear or matmul over
/// an open batch or sequence length; V, the reductions and every other dim
/// static): loops over R in tiles of the kernel's row count up to the last
/// whole tile, then one row at a time, each iteration the op on static
/// slices, register-tiled by tileAndEmit. When one row is work enough for
/// the threads (`parallelRow`), every tile splits its column tiles over
/// them; otherwise the row-tile loop is the threads' scf.forall when
/// `parallel`.
bool tileOpenRows(IRRewriter &rw, linalg::GenericOp op, const KernelDims &d, int64_t width,
                  int64_t accumulators, bool parallel, bool parallelRow, const Fusion &f) {
  Location loc = op.getLoc();
  rw.setInsertionPoint(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t rows = rowBudget(d, width, accumulators);
  SmallVector<Range, 4> loopRanges = cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(rw, loc);
  AffineExpr s0 = rw.getAffineSymbolExpr(0);
  Value extent = getValueOrCreateConstantIndexOp(rw, loc, loopRanges[*d.r].size);
  Value whole = getValueOrCreateConstantIndexOp(
      rw, loc,
      affine::makeComposedFoldedAffineApply(rw, loc, s0.floorDiv(rows) * rows, {extent}));
  Value acc = op.getDpsInitOperand(0)->get();
  SmallVector<Operation *> tiles;
  for (auto part : {std::tuple<Value, Value, int64_t>{
                        arith::ConstantIndexOp::create(rw, loc, 0), whole, rows},
                    {whole, extent, 1}}) {
    Value lo = std::get<0>(part), hi = std::get<1>(part);
    int64_t step = std::get<2>(part);
    // The op on the rows [iv, iv + step), its result inserted into `out`.
    auto tile = [&](OpBuilder &b, Location l, Value iv, Value out,
                    SmallVector<OpFoldResult> &resOff, SmallVector<OpFoldResult> &resSize) {
      SmallVector<OpFoldResult> off(ranges.size(), b.getIndexAttr(0)), sizes;
      for (auto [i, r] : llvm::enumerate(ranges))
        sizes.push_back(ShapedType::isDynamic(r) ? loopRanges[i].size
                                                 : OpFoldResult(b.getIndexAttr(r)));
      off[*d.r] = iv;
      sizes[*d.r] = b.getIndexAttr(step);
      IRMapping map;
      map.map(op.getDpsInitOperand(0)->get(), out);
      auto clone = cast<TilingInterface>(b.clone(*op.getOperation(), map));
      FailureOr<TilingResult> t = clone.getTiledImplementation(b, off, sizes);
      bool ok = succeeded(t) &&
                succeeded(clone.getResultTilePosition(b, 0, off, sizes, resOff, resSize));
      Value r = ok ? t->tiledValues.front() : Value();
      if (ok)
        tiles.push_back(t->tiledOps.front());
      rw.eraseOp(clone);
      return r;
    };
    SmallVector<OpFoldResult> resOff, resSize;
    auto rank = cast<RankedTensorType>(acc.getType()).getRank();
    SmallVector<OpFoldResult> ones(rank, rw.getIndexAttr(1));
    Value stepV = arith::ConstantIndexOp::create(rw, loc, step);
    // Rows each work enough for the threads split their columns instead
    // (below): every thread then reads its part of the weight once, where
    // threads over row tiles would each read all of it (a decoder's step
    // over 8 sequences is one tile of 8 rows: one thread did all of it).
    if (parallel && step > 1 && !parallelRow) {
      auto forall = scf::ForallOp::create(
          rw, loc, ArrayRef<OpFoldResult>{lo}, ArrayRef<OpFoldResult>{hi},
          ArrayRef<OpFoldResult>{rw.getIndexAttr(step)}, ValueRange{acc}, std::nullopt);
      OpBuilder b = OpBuilder::atBlockBegin(forall.getBody());
      Value r = tile(b, loc, forall.getInductionVars()[0], forall.getRegionIterArgs()[0], resOff,
                     resSize);
      if (!r)
        return false;
      OpBuilder tb = OpBuilder::atBlockEnd(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(tb, loc, r, forall.getRegionIterArgs()[0], resOff,
                                            resSize, ones);
      acc = forall.getResult(0);
    } else {
      bool ok = true;
      auto loop = scf::ForOp::create(
          rw, loc, lo, hi, stepV, ValueRange{acc},
          [&](OpBuilder &b, Location l, Value iv, ValueRange args) {
            Value r = tile(b, l, iv, args[0], resOff, resSize);
            ok &= (bool)r;
            scf::YieldOp::create(
                b, l,
                r ? tensor::InsertSliceOp::create(b, l, r, args[0], resOff, resSize, ones)
                        .getResult()
                  : args[0]);
          });
      if (!ok)
        return false;
      acc = loop.getResult(0);
    }
  }
  rw.replaceOp(op, acc);
  // Row tiles and single rows (a decoder's step at batch 1 is one) split
  // their column tiles over the threads when one row is work enough.
  for (Operation *t : tiles)
    if (!tileAndEmit(rw, cast<linalg::GenericOp>(t), d, width, accumulators, parallelRow, f))
      return false;
  return true;
}

struct CPUVectorizeContractionsPass
    : autoglm::impl::CPUVectorizeContractionsBase<CPUVectorizeContractionsPass> {
  using CPUVectorizeContractionsBase::CPUVectorizeContractionsBase;

  /// A dot4 op (zero-filled int32 accumulator), or an 8-bit depthwise
  /// conv accumulated in f32, and the elementwise op that consumes it whole
  /// (int32 -> f32 epilogue, or requantized to uint8): the kernels compute
  /// both, the accumulator staying in registers and the epilogue's element
  /// type written. The tiles are made from a carrier op, the op's loops
  /// writing into the epilogue's destination, which only stands for the
  /// kernels (its body is never run).
  /// Tiles `op` (V of `extent`) into register tiles of the widest width
  /// that divides V, else a part of whole 16-lane tiles and a remainder
  /// tile: 1 done, 0 not tiled, -1 tiled only in part (`f` fused by one
  /// part and not the other).
  int emitTiles(IRRewriter &rw, linalg::GenericOp op, const KernelDims &d, int64_t extent,
                bool threads, const Fusion &f) {
    if (int64_t width = pickWidth(d, extent, vectorWidth))
      return tileAndEmit(rw, op, d, width, accumulators, threads, f) ? 1 : 0;
    // No width divides V: split it into a part of whole tiles and a
    // remainder tile of less than 16 lanes. (A remainder of more, say 26 of
    // 58 output channels after a 32-wide part, is two registers' worth of
    // odd lanes: 1x1 convolutions with 58 and 116 channels, as ShuffleNet
    // has, ran 2.5-3x slower than with 64.)
    int64_t main = d.outer() ? std::min<int64_t>(16, vectorWidth) : 16;
    int64_t headWidth = d.outer() ? pickWidth(d, extent / main * main, vectorWidth) : main;
    rw.setInsertionPoint(op);
    auto [head, tail] = linalg::splitOp(rw, cast<TilingInterface>(op.getOperation()), d.v,
                                        rw.getIndexAttr(extent / main * main));
    if (!head || !tail)
      return 0;
    bool h = tileAndEmit(rw, cast<linalg::GenericOp>(head.getOperation()), d, headWidth,
                         accumulators, threads, f);
    bool t = tileAndEmit(rw, cast<linalg::GenericOp>(tail.getOperation()), d, extent % main,
                         accumulators, threads, f);
    // (A carrier's parts left as loops would run its placeholder body.)
    if ((h != t && (f.fill || f.init || f.epilogue)) || (f.carrier && !(h && t)))
      return -1;
    return h && t ? 1 : 0;
  }

  /// 1: fused, 0: not (op untouched), -1: tiled only in part (an error).
  int fuseCarrierEpilogue(IRRewriter &rw, linalg::GenericOp op, const KernelDims &d, Fusion f,
                          linalg::FillOp zeroFill, bool threads) {
    Value dest = f.epilogue.getDpsInitOperand(0)->get();
    rw.setInsertionPoint(f.epilogue);
    auto carrier = linalg::GenericOp::create(rw, op.getLoc(), dest.getType(), op.getDpsInputs(),
                                             ValueRange{dest}, op.getIndexingMapsArray(),
                                             op.getIteratorTypesArray(),
                                             [](OpBuilder &b, Location l, ValueRange args) {
                                               linalg::YieldOp::create(b, l, args.back());
                                             });
    Value result = f.epilogue.getResult(0);
    rw.replaceAllUsesWith(result, carrier.getResult(0));
    Fusion fc;
    fc.epilogue = f.epilogue;
    fc.epilogueInput = f.epilogueInput;
    fc.carrier = true;
    int64_t extent = op.getStaticLoopRanges()[d.v];
    int done = d.kind == KernelDims::Dot4 && !d.positionLanes
                   ? (int)tileAndEmit(rw, carrier, d, extent, accumulators, threads, fc)
                   : emitTiles(rw, carrier, d, extent, threads, fc);
    if (done < 0)
      return -1;
    if (!done) {
      // tileOp leaves the op untouched when it fails.
      rw.replaceAllUsesWith(carrier.getResult(0), result);
      rw.eraseOp(carrier);
      return 0;
    }
    rw.eraseOp(f.epilogue);
    rw.eraseOp(op);
    if (zeroFill.getResult(0).use_empty())
      rw.eraseOp(zeroFill);
    return 1;
  }

  void runOnOperation() override {
    // Requantized epilogues need no NaN-propagating ReLU before their clamp.
    getOperation().walk([](linalg::GenericOp g) { (void)autoglm::cpu::dropClampedMaxima(g); });
    SmallVector<std::pair<linalg::GenericOp, KernelDims>> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (auto d = matchKernel(op))
        ops.push_back({op, *d});
      else if (auto d4 = matchInt4(op))
        ops.push_back({op, *d4});
      else if (int8Dot == "avx512-vnni")
        if (auto d4 = matchDot4(op))
          ops.push_back({op, *d4});
    });
    IRRewriter rw(&getContext());
    DominanceInfo dom(getOperation());
    for (auto [op, d] : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (!d.r)
        continue;
      // Open extents: the row dim (tiled below) and reduction dims (their
      // loops bounded at run time) may be open; V and the other parallel
      // dims must be static (a V no tile width divides stays loops).
      bool openOther = false, openRed = false;
      auto iters = op.getIteratorTypesArray();
      for (unsigned i = 0; i < ranges.size(); ++i) {
        if (!ShapedType::isDynamic(ranges[i]) || i == *d.r)
          continue;
        (iters[i] == utils::IteratorType::reduction ? openRed : openOther) = true;
      }
      if (openOther ||
          ((openRed || ShapedType::isDynamic(ranges[*d.r])) && (!openRows || !d.outer())))
        continue;
      if (ShapedType::isDynamic(ranges[*d.r])) {
        // Open rows: row tiles up to the last whole one, then single rows.
        int64_t width = pickWidth(d, ranges[d.v], vectorWidth);
        if (!width)
          continue;
        SmallVector<int64_t> perRow(ranges);
        perRow[*d.r] = 1;
        int64_t work = 1;
        for (int64_t r : perRow)
          work *= std::max<int64_t>(r, 1);
        Fusion f = fuse ? findFusion(op, dom) : Fusion{};
        if (!tileOpenRows(rw, op, d, width, accumulators, parallel && 8 * work >= minParallelWork,
                          parallel && work >= minParallelWork, f)) {
          op->emitError("register kernels: an op with open rows tiled only in part");
          return signalPassFailure();
        }
        retireFused(rw, f);
        continue;
      }
      int64_t extent = ranges[d.v];
      // One row splits only its columns over the threads, in slices too
      // small to pay for the fork and join below 4x the usual work (an
      // LSTM step's 1 x 384 x 96: 36,864).
      bool threads =
          parallel && autoglm::cpu::staticWork(op) >= (ranges[*d.r] == 1 ? 4 : 1) * minParallelWork;
      bool rows8 =
          d.kind == KernelDims::Rows &&
          getElementTypeOrSelf(op.getDpsInputOperand(d.xIdx)->get().getType()).isInteger(8);
      if (d.kind == KernelDims::Rows && virtualPads) {
        rw.setInsertionPoint(op);
        if (auto z = autoglm::cpu::matchZeroPad(rw, op.getDpsInputOperand(d.xIdx)->get())) {
          d.padSource = z->source;
          d.padLow = z->low;
          d.padHigh = z->high;
        }
      }
      if (d.kind == KernelDims::Dot4 || rows8) {
        Fusion f = fuse ? findFusion(op, dom, /*anyElement=*/true) : Fusion{};
        f.init = {};
        // (The zero fill may be shared: CSE merges fills of one shape.)
        auto zeroFill = op.getDpsInitOperand(0)->get().getDefiningOp<linalg::FillOp>();
        if (f.epilogue && zeroFill &&
            (matchPattern(zeroFill.getInputs()[0], m_Zero()) ||
             matchPattern(zeroFill.getInputs()[0], m_PosZeroFloat()))) {
          int fused = fuseCarrierEpilogue(rw, op, d, f, zeroFill, threads);
          if (fused < 0) {
            op->emitError("register kernels: a split contraction tiled only in part");
            return signalPassFailure();
          }
          if (fused)
            continue;
        }
        if (d.kind == KernelDims::Dot4) {
          f.epilogue = {};
          int done = d.positionLanes
                         ? emitTiles(rw, op, d, extent, threads, f)
                         : (int)tileAndEmit(rw, op, d, extent, accumulators, threads, f);
          if (done < 0) {
            op->emitError("register kernels: a split contraction tiled only in part");
            return signalPassFailure();
          }
          if (done)
            retireFused(rw, f);
          continue;
        }
      }
      Fusion f = fuse ? findFusion(op, dom) : Fusion{};
      int done = emitTiles(rw, op, d, extent, threads, f);
      if (done < 0) {
        // One part fused its neighbours and the other did not.
        op->emitError("register kernels: a split contraction tiled only in part");
        return signalPassFailure();
      }
      if (done)
        retireFused(rw, f);
    }
  }
};

} // namespace
