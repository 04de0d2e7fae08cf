//===- GPULowerSupport.cpp - helpers of the GPU reduction lowerings -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// What autoglm-gpu-lower-reductions' forms share (the register-tiled and
// warp-per-output reductions, row kernels, and the mma contractions of
// GPULowerMMA.cpp): index maps applied to loop values, the fused
// initialization and epilogue of an output, flat mma positions, the
// accumulators' start and store, and block-sized loops.
//===----------------------------------------------------------------------===//

#include "GPUCommon.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::autoglm::gpu_detail {

SmallVector<Value> indices(OpBuilder &b, Location loc, AffineMap map, ValueRange ivs) {
  SmallVector<Value> idx;
  for (AffineExpr e : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e)) {
      idx.push_back(ivs[d.getPosition()]);
      continue;
    }
    idx.push_back(
        affine::AffineApplyOp::create(b, loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
  }
  return idx;
}

/// The memory op next to `op` in its block (before it with `before`),
/// skipping ops that touch no memory.
Operation *neighbour(Operation *op, bool before) {
  for (Operation *n = before ? op->getPrevNode() : op->getNextNode(); n;
       n = before ? n->getPrevNode() : n->getNextNode())
    if (n->getNumRegions() != 0 || !isMemoryEffectFree(n))
      return n;
  return nullptr;
}

/// An op that only initializes `out` before the reduction: a fill, or an
/// elementwise generic (a bias broadcast) writing all of `out` through an
/// identity map without reading it. Its value becomes the accumulators'
/// start, and the op goes.
linalg::LinalgOp initProducer(linalg::GenericOp op, Value out) {
  auto p = dyn_cast_or_null<linalg::LinalgOp>(neighbour(op, /*before=*/true));
  if (!p || !isa<linalg::FillOp, linalg::GenericOp>(p) || !p.hasPureBufferSemantics() ||
      p.getNumDpsInits() != 1 || p.getDpsInitOperand(0)->get() != out ||
      p.getNumReductionLoops() != 0 ||
      !p.getMatchingIndexingMap(p.getDpsInitOperand(0)).isIdentity() ||
      p.payloadUsesValueFromOperand(p.getDpsInitOperand(0)))
    return nullptr;
  for (OpOperand *in : p.getDpsInputOperands())
    if (in->get() == out)
      return nullptr;
  return p;
}

/// An elementwise generic right after the reduction that rewrites `out`
/// in place (a ReLU, a residual add): applied to the accumulators before
/// the one store, and the op goes.
linalg::GenericOp epilogueConsumer(linalg::GenericOp op, Value out) {
  auto e = dyn_cast_or_null<linalg::GenericOp>(neighbour(op, /*before=*/false));
  if (!e || !e.hasPureBufferSemantics() || e.getNumDpsInits() != 1 ||
      e.getDpsInitOperand(0)->get() != out || e.getNumReductionLoops() != 0 ||
      !e.getMatchingIndexingMap(e.getDpsInitOperand(0)).isIdentity())
    return nullptr;
  for (OpOperand *in : e.getDpsInputOperands())
    if (in->get() == out && !e.getMatchingIndexingMap(in).isIdentity())
      return nullptr;
  return e;
}

/// Clones `g`'s payload at the point `at` of its (identity-mapped) output;
/// operands equal to `out` read `current`.
Value applyPayload(OpBuilder &b, Location loc, linalg::LinalgOp g, Value out, Value current,
                   ArrayRef<Value> at) {
  if (auto fill = dyn_cast<linalg::FillOp>(g.getOperation()))
    return fill.getInputs()[0];
  Block *body = g.getBlock();
  IRMapping map;
  for (OpOperand &o : g->getOpOperands()) {
    Value arg = body->getArgument(o.getOperandNumber());
    Value v = o.get();
    if (v == out)
      map.map(arg, current);
    else if (isa<MemRefType>(v.getType()))
      map.map(arg,
              memref::LoadOp::create(b, loc, v, indices(b, loc, g.getMatchingIndexingMap(&o), at)));
    else
      map.map(arg, v);
  }
  for (Operation &inner : body->without_terminator()) {
    if (auto idx = dyn_cast<linalg::IndexOp>(inner)) {
      map.map(idx.getResult(), at[idx.getDim()]);
      continue;
    }
    b.clone(inner, map);
  }
  return map.lookupOrDefault(body->getTerminator()->getOperand(0));
}

/// A flat M, N or K position of an mma contraction: whether it is inside
/// the extent (null when it always is) and the loop dims it stands for
/// (clamped inside).
Pos position(OpBuilder &b, Location loc, ArrayRef<int64_t> ranges, Value flat,
             ArrayRef<unsigned> dims, int64_t total, bool maybePast) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  Pos p;
  if (maybePast) {
    p.valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, flat, index(total));
    flat = arith::MinUIOp::create(b, loc, flat, index(total - 1));
  }
  // Dims of extent 1 are 0; the outermost of the rest takes what is left.
  SmallVector<unsigned> live;
  for (unsigned d : dims) {
    if (ranges[d] == 1)
      p.dims.push_back({d, index(0)});
    else
      live.push_back(d);
  }
  for (unsigned i = live.size(); i-- > 0;) {
    int64_t e = ranges[live[i]];
    if (i == 0) {
      p.dims.push_back({live[i], flat});
      break;
    }
    p.dims.push_back({live[i], arith::RemUIOp::create(b, loc, flat, index(e))});
    flat = arith::DivUIOp::create(b, loc, flat, index(e));
  }
  return p;
}

/// `x && y` where a null condition is true.
Value andIf(OpBuilder &b, Location loc, Value x, Value y) {
  if (!x)
    return y;
  if (!y)
    return x;
  return arith::AndIOp::create(b, loc, x, y).getResult();
}

/// The output points of an mma warp's accumulators, 4 per 16 x 8 tile
/// (tile t = i * tn + j, accumulator t * 4 + r * 2 + c: row r * 8 + g,
/// column 2q + c), whether each is inside the output, and their start
/// values (the fused initialization, or the output's).
void startAccumulators(OpBuilder &b, Location loc, linalg::GenericOp op, ArrayRef<Pos> rows,
                       ArrayRef<Pos> cols, int64_t tm, int64_t tn, SmallVectorImpl<Value> &ivs,
                       Value out, linalg::LinalgOp init, SmallVectorImpl<SmallVector<Value>> &at,
                       SmallVectorImpl<Value> &valid, SmallVectorImpl<Value> &accs) {
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (int64_t i = 0; i < tm; ++i)
    for (int64_t j = 0; j < tn; ++j)
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t c = 0; c < 2; ++c) {
          for (const Pos *p : {&rows[i * 2 + r], &cols[j * 2 + c]})
            for (auto [d, v] : p->dims)
              ivs[d] = v;
          at.push_back(indices(b, loc, outMap, ivs));
          valid.push_back(andIf(b, loc, rows[i * 2 + r].valid, cols[j * 2 + c].valid));
          accs.push_back(init ? applyPayload(b, loc, init, out, Value(), at.back())
                              : memref::LoadOp::create(b, loc, out, at.back()).getResult());
        }
}

/// Erases a lowered reduction and the ops fused into its kernel.
void eraseFused(Operation *op, linalg::LinalgOp init, linalg::GenericOp epilogue) {
  op->erase();
  if (init)
    init->erase();
  if (epilogue)
    epilogue->erase();
}

/// Stores accumulator `u` (with the fused epilogue applied) at `at[u]`
/// where `valid[u]` holds, then erases `op` and the ops fused into it.
void storeAndErase(OpBuilder &b, Location loc, linalg::GenericOp op, ValueRange results,
                   ArrayRef<SmallVector<Value>> at, ArrayRef<Value> valid, Value out,
                   linalg::LinalgOp init, linalg::GenericOp epilogue) {
  for (size_t u = 0; u < at.size(); ++u) {
    Value v = results[u];
    OpBuilder::InsertionGuard guard(b);
    if (valid[u]) {
      auto only = scf::IfOp::create(b, loc, valid[u], /*withElseRegion=*/false);
      b.setInsertionPointToStart(only.thenBlock());
    }
    if (epilogue)
      v = applyPayload(b, loc, epilogue, out, v, at[u]);
    memref::StoreOp::create(b, loc, v, out, at[u]);
  }
  eraseFused(op, init, epilogue);
}

/// An scf.parallel over `extents` whose blocks hold `block` threads
/// (autoglm.gpu.block, for kernels with barriers or shared memory), and
/// the index of each extent: its induction variable, or 0 for an extent
/// of 1, which gets no loop dim (the canonicalizer would drop such a dim
/// and the attribute with it).
std::pair<scf::ParallelOp, SmallVector<Value>> blockLoop(OpBuilder &b, Location loc,
                                                         ArrayRef<int64_t> extents, int64_t block) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0),
        c1 = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t e : extents)
    if (e != 1) {
      lbs.push_back(c0);
      ubs.push_back(arith::ConstantIndexOp::create(b, loc, e));
      steps.push_back(c1);
    }
  auto loop = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
  loop->setAttr(kBlockAttr, b.getI64IntegerAttr(block));
  SmallVector<Value> ivs;
  unsigned next = 0;
  for (int64_t e : extents)
    ivs.push_back(e == 1 ? c0 : loop.getInductionVars()[next++]);
  b.setInsertionPointToStart(loop.getBody());
  return {loop, ivs};
}

Value shuffleXor(OpBuilder &b, Location loc, Value v, int64_t offset, int64_t width) {
  auto narrow = dyn_cast<IntegerType>(v.getType());
  if (narrow && narrow.getWidth() >= 32)
    narrow = nullptr;
  Value x = narrow ? arith::ExtUIOp::create(b, loc, b.getI32Type(), v).getResult() : v;
  Value y = ::mlir::gpu::ShuffleOp::create(b, loc, x, (int32_t)offset, (int32_t)width,
                                           ::mlir::gpu::ShuffleMode::XOR)
                .getShuffleResult();
  return narrow ? arith::TruncIOp::create(b, loc, narrow, y).getResult() : y;
}

ByteRange regionOf(Value v) {
  ByteRange r;
  bool sized = false;
  while (Operation *d = v.getDefiningOp()) {
    if (auto view = dyn_cast<memref::ViewOp>(d)) {
      std::optional<int64_t> off = getConstantIntValue(view.getByteShift());
      auto t = view.getType();
      if (!off || !t.hasStaticShape() || !t.getElementType().isIntOrFloat()) {
        r.lo = 0;
        r.hi = std::numeric_limits<int64_t>::max();
        sized = true;
      } else if (!sized) {
        r.lo = *off;
        r.hi = *off + t.getNumElements() * ((t.getElementTypeBitWidth() + 7) / 8);
        sized = true;
      } else if (r.hi != std::numeric_limits<int64_t>::max()) {
        r.lo += *off;
        r.hi += *off;
      }
      v = view.getSource();
      continue;
    }
    if (auto like = dyn_cast<ViewLikeOpInterface>(d)) {
      v = like.getViewSource();
      continue;
    }
    break;
  }
  r.root = v;
  if (!sized) {
    r.lo = 0;
    r.hi = std::numeric_limits<int64_t>::max();
  }
  return r;
}

} // namespace mlir::autoglm::gpu_detail
