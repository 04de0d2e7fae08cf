//===- KernelSupport.cpp - shared pieces of the CPU kernel passes ---*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "KernelSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

int64_t autoglm::cpu::staticWork(linalg::LinalgOp op) {
  int64_t work = 1;
  for (int64_t r : op.getStaticLoopRanges())
    work *= std::max<int64_t>(r, 1);
  return work;
}

/// Whether `e` never decreases when a dim or symbol grows: sums, products
/// with non-negative constants and floor / ceil divisions by positive ones.
static bool isNonDecreasing(AffineExpr e) {
  if (isa<AffineDimExpr, AffineSymbolExpr, AffineConstantExpr>(e))
    return true;
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return false;
  auto c = dyn_cast<AffineConstantExpr>(bin.getRHS());
  switch (e.getKind()) {
  case AffineExprKind::Add:
    return isNonDecreasing(bin.getLHS()) && isNonDecreasing(bin.getRHS());
  case AffineExprKind::Mul:
    return c && c.getValue() >= 0 && isNonDecreasing(bin.getLHS());
  case AffineExprKind::FloorDiv:
  case AffineExprKind::CeilDiv:
    return c && c.getValue() > 0 && isNonDecreasing(bin.getLHS());
  default:
    return false; // mod
  }
}

FailureOr<SmallVector<Operation *>>
autoglm::cpu::tileOp(RewriterBase &rw, TilingInterface op, ArrayRef<int64_t> sizes,
                     bool forall, ArrayRef<int64_t> interchange) {
  // Tiling takes an operand's slice from its indexing map at the tile's
  // first and last points, which is right only for maps that never
  // decrease along a loop: a reversed access (the weight flip of a
  // transposed convolution, k - 1 - d) got a slice one element short and
  // an invalid op. Such an op stays untiled.
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op.getOperation()))
    for (AffineMap m : linalgOp.getIndexingMapsArray())
      for (AffineExpr e : m.getResults())
        if (!isNonDecreasing(e))
          return failure();
  // A tile as large as its static extent is no tile (size 0: no loop), so
  // the kernel sees offset 0 there as a constant (a depthwise tile's rows
  // are then known above, inside or below the image at compile time).
  SmallVector<int64_t> tileSizes(sizes);
  rw.setInsertionPoint(op);
  SmallVector<Range> domain = op.getIterationDomain(rw);
  for (auto [i, r] : llvm::enumerate(domain))
    if (i < tileSizes.size() && isZeroInteger(r.offset))
      if (std::optional<int64_t> n = getConstantIntValue(r.size); n && tileSizes[i] >= *n)
        tileSizes[i] = 0;
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rw.getContext(), tileSizes));
  if (!interchange.empty())
    options.setInterchange(interchange);
  if (forall)
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  rw.setInsertionPoint(op);
  auto tiled = scf::tileUsingSCF(rw, op, options);
  if (failed(tiled))
    return failure();
  rw.replaceOp(op, tiled->replacements);
  return SmallVector<Operation *>(tiled->tiledOps);
}

std::optional<autoglm::cpu::ZeroPad> autoglm::cpu::matchZeroPad(OpBuilder &b, Value x) {
  auto expand = x.getDefiningOp<tensor::ExpandShapeOp>();
  Value v = expand ? expand.getSrc() : x;
  SmallVector<tensor::InsertSliceOp> fills;
  tensor::InsertSliceOp interior;
  while (auto ins = v.getDefiningOp<tensor::InsertSliceOp>()) {
    if (!ins.hasUnitStride() || !ins.getSourceType().hasStaticShape() ||
        ShapedType::isDynamicShape(ins.getStaticOffsets()))
      return std::nullopt;
    if (auto fill = ins.getSource().getDefiningOp<linalg::FillOp>()) {
      if (!matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) &&
          !matchPattern(fill.getInputs()[0], m_Zero()))
        return std::nullopt;
      fills.push_back(ins);
      v = ins.getDest();
      continue;
    }
    // The copy, possibly behind a collapse_shape (canonicalization moves
    // the reshapes of a blocked producer's result into the copy).
    auto collapse = ins.getSource().getDefiningOp<tensor::CollapseShapeOp>();
    auto copy = (collapse ? collapse.getSrc() : ins.getSource()).getDefiningOp<linalg::CopyOp>();
    if (!copy || !ins.getDest().getDefiningOp<tensor::EmptyOp>())
      return std::nullopt;
    interior = ins;
    break;
  }
  if (!interior)
    return std::nullopt;
  Value source = interior.getSource();
  Value copied = source.getDefiningOp<tensor::CollapseShapeOp>()
                     ? source.getDefiningOp<tensor::CollapseShapeOp>().getSrc()
                     : source;
  Value copyIn = copied.getDefiningOp<linalg::CopyOp>().getInputs()[0];
  if (auto collapse = source.getDefiningOp<tensor::CollapseShapeOp>())
    source = tensor::CollapseShapeOp::create(b, collapse.getLoc(), collapse.getResultType(), copyIn,
                                             collapse.getReassociationIndices());
  else
    source = copyIn;
  auto srcTy = cast<RankedTensorType>(source.getType());
  auto padTy = interior.getDestType();
  if (!srcTy.hasStaticShape() || !padTy.hasStaticShape())
    return std::nullopt;
  ArrayRef<int64_t> low = interior.getStaticOffsets();
  // Every zero slab lies outside the interior (else it overwrote data).
  for (tensor::InsertSliceOp f : fills) {
    bool disjoint = false;
    for (int64_t d = 0; d < padTy.getRank(); ++d) {
      int64_t o = f.getStaticOffsets()[d], n = f.getSourceType().getDimSize(d);
      disjoint |= o + n <= low[d] || o >= low[d] + srcTy.getDimSize(d);
    }
    if (!disjoint)
      return std::nullopt;
  }
  auto padded = [&](int64_t d) {
    return low[d] != 0 || srcTy.getDimSize(d) != padTy.getDimSize(d);
  };
  auto high = [&](int64_t d) { return padTy.getDimSize(d) - low[d] - srcTy.getDimSize(d); };
  if (!expand) {
    ZeroPad z{source, SmallVector<int64_t>(low), {}};
    for (int64_t d = 0; d < padTy.getRank(); ++d)
      z.high.push_back(high(d));
    return z;
  }
  ZeroPad z;
  SmallVector<int64_t> shape(expand.getResultType().getShape());
  for (auto [d, group] : llvm::enumerate(expand.getReassociationIndices())) {
    if (padded(d) && group.size() != 1)
      return std::nullopt;
    for (int64_t e : group) {
      z.low.push_back(group.size() == 1 ? low[d] : 0);
      z.high.push_back(group.size() == 1 ? high(d) : 0);
      if (group.size() == 1)
        shape[e] = srcTy.getDimSize(d);
    }
  }
  z.source = tensor::ExpandShapeOp::create(b, expand.getLoc(),
                                           RankedTensorType::get(shape, srcTy.getElementType()),
                                           source, expand.getReassociationIndices());
  return z;
}

bool autoglm::cpu::collapseTrailingLoops(RewriterBase &rw, linalg::GenericOp op, unsigned first) {
  ReassociationIndices trailing;
  for (unsigned i = first; i < op.getNumLoops(); ++i)
    trailing.push_back(i);
  if (trailing.size() < 2 ||
      !linalg::areDimSequencesPreserved(op.getIndexingMapsArray(), {trailing}))
    return false;
  rw.setInsertionPoint(op);
  FailureOr<linalg::CollapseResult> c =
      linalg::collapseOpIterationDims(cast<linalg::LinalgOp>(op.getOperation()), {trailing}, rw);
  if (failed(c))
    return false;
  rw.replaceOp(op, c->results);
  return true;
}

Value autoglm::cpu::appendByteBuffer(func::FuncOp func, int64_t bytes) {
  Builder b(func.getContext());
  unsigned argNo = func.getNumArguments();
  if (failed(func.insertArgument(argNo, MemRefType::get({bytes}, b.getI8Type()),
                                 b.getDictionaryAttr({}), func.getLoc())))
    return Value();
  return func.getArgument(argNo);
}

unsigned autoglm::cpu::dropClampedMaxima(linalg::GenericOp op) {
  auto constant = [](Value v) -> std::optional<double> {
    FloatAttr a;
    if (!matchPattern(v, m_Constant(&a)))
      return std::nullopt;
    return a.getValueAsDouble();
  };
  // The other operand of a binary op `b` whose one operand is `v`.
  auto other = [](Operation *b, Value v) {
    return b->getOperand(0) == v ? b->getOperand(1) : b->getOperand(0);
  };
  auto onlyUser = [](Value v) -> Operation * {
    return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
  };
  SmallVector<arith::MaximumFOp> drop;
  op.getRegion().walk([&](arith::MaximumFOp max) {
    std::optional<double> c = constant(max.getRhs());
    if (!c)
      c = constant(max.getLhs());
    if (!c)
      return;
    auto mul = dyn_cast_or_null<arith::MulFOp>(onlyUser(max.getResult()));
    std::optional<double> k = mul ? constant(other(mul, max.getResult())) : std::nullopt;
    auto round = mul ? dyn_cast_or_null<math::RoundEvenOp>(onlyUser(mul.getResult())) : nullptr;
    auto addZ = round ? dyn_cast_or_null<arith::AddFOp>(onlyUser(round.getResult())) : nullptr;
    std::optional<double> z = addZ ? constant(other(addZ, round.getResult())) : std::nullopt;
    auto clamp = addZ ? dyn_cast_or_null<arith::MaxNumFOp>(onlyUser(addZ.getResult())) : nullptr;
    std::optional<double> lo = clamp ? constant(other(clamp, addZ.getResult())) : std::nullopt;
    if (!k || !z || !lo || !(*k > 0) || !std::isfinite(*k) || !std::isfinite(*c) ||
        !std::isfinite(*z) || std::nearbyint(*c * *k) + *z > *lo)
      return;
    drop.push_back(max);
  });
  for (arith::MaximumFOp max : drop) {
    Value x = constant(max.getRhs()) ? max.getLhs() : max.getRhs();
    max.getResult().replaceAllUsesWith(x);
    max.erase();
  }
  return drop.size();
}
