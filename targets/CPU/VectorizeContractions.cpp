//===- VectorizeContractions.cpp - register-tiled matmul kernels ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A matmul-like linalg.generic (C[b.., m, n] += A[b.., m, k] * B[b.., k, n],
// f32, static shapes) is tiled to an m x n register tile with k innermost,
// the tile is vectorized to vector.contract, and the accumulator's
// read/write are hoisted out of the k loop, so the inner loop is a chain of
// FMAs on registers. Shapes the tile does not divide are left to the
// generic path.
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"
#include "Kernels.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUVECTORIZECONTRACTIONS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

struct MatmulDims {
  unsigned m, n, k;
};

std::optional<MatmulDims> matchMaps(linalg::GenericOp op, AffineMap a, AffineMap b,
                                    AffineMap c);

/// Loop positions of m, n, k if `op` is an f32 matmul-like contraction.
std::optional<MatmulDims> matchMatmul(linalg::GenericOp op) {
  if (!autoglm::cpu::isF32Mac(op) || op.getNumReductionLoops() != 1)
    return std::nullopt;
  AffineMap c = op.getIndexingMapsArray()[2];
  // Either input may be the m x k side (a pointwise conv reads x [k, n]
  // first and w [m, k] second).
  if (auto d = matchMaps(op, op.getIndexingMapsArray()[0], op.getIndexingMapsArray()[1], c))
    return d;
  return matchMaps(op, op.getIndexingMapsArray()[1], op.getIndexingMapsArray()[0], c);
}

/// m, n, k if `a` reads [.., m, k], `b` reads [.., k, n] and `c` writes
/// [.., m, n].
std::optional<MatmulDims> matchMaps(linalg::GenericOp op, AffineMap a, AffineMap b,
                                    AffineMap c) {
  auto dimAt = [](AffineMap map, int fromEnd) -> std::optional<unsigned> {
    if ((int)map.getNumResults() < fromEnd)
      return std::nullopt;
    auto d = dyn_cast<AffineDimExpr>(map.getResult(map.getNumResults() - fromEnd));
    return d ? std::optional<unsigned>(d.getPosition()) : std::nullopt;
  };
  auto m = dimAt(c, 2), n = dimAt(c, 1), ka = dimAt(a, 1), ma = dimAt(a, 2),
       kb = dimAt(b, 2), nb = dimAt(b, 1);
  if (!m || !n || !ka || !ma || !kb || !nb || *ma != *m || *nb != *n || *ka != *kb)
    return std::nullopt;
  auto iters = op.getIteratorTypesArray();
  if (iters[*ka] != utils::IteratorType::reduction || !a.isProjectedPermutation() ||
      !b.isProjectedPermutation() || !c.isProjectedPermutation())
    return std::nullopt;
  return MatmulDims{*m, *n, *ka};
}

struct CPUVectorizeContractionsPass
    : autoglm::impl::CPUVectorizeContractionsBase<CPUVectorizeContractionsPass> {
  using CPUVectorizeContractionsBase::CPUVectorizeContractionsBase;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, MatmulDims>> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (auto d = matchMatmul(op))
        ops.push_back({op, *d});
    });
    IRRewriter rw(&getContext());
    for (auto [op, d] : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic))
        continue;
      auto pick = [](int64_t extent, ArrayRef<int64_t> choices) -> int64_t {
        for (int64_t c : choices)
          if (extent % c == 0)
            return c;
        return 0;
      };
      int64_t tm = pick(ranges[d.m], {(int64_t)tileM, 4, 2, 1});
      int64_t tn = pick(ranges[d.n], {(int64_t)tileN, 16, 8});
      int64_t tk = pick(ranges[d.k], {(int64_t)tileK, 2, 1});
      if (!tm || !tn || !tk)
        continue;
      // Batch dims tile by 1; the k loop is innermost.
      SmallVector<int64_t> sizes(ranges.size(), 1);
      sizes[d.m] = tm;
      sizes[d.n] = tn;
      sizes[d.k] = tk;
      SmallVector<int64_t> order;
      for (unsigned i = 0; i < ranges.size(); ++i)
        if (i != d.m && i != d.n && i != d.k)
          order.push_back(i);
      order.append({(int64_t)d.m, (int64_t)d.n, (int64_t)d.k});
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
      options.setInterchange(order);
      rw.setInsertionPoint(op);
      auto tiled = scf::tileUsingSCF(rw, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      rw.replaceOp(op, tiled->replacements);
      for (Operation *t : tiled->tiledOps) {
        rw.setInsertionPoint(t);
        auto vec = linalg::vectorize(rw, t, {}, {}, false, false, false,
                                     /*createNamedContraction=*/true);
        if (succeeded(vec))
          rw.replaceOp(t, vec->replacements);
      }
    }
    // mul + multi_reduction -> vector.contract with the broadcasts folded
    // into its maps; it lowers to outer products (FMAs) later.
    RewritePatternSet patterns(&getContext());
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Batch dims tiled by 1 leave leading unit dims; drop them so the kernel
    // is 2-D (m x n registers) whatever the op's rank. Only once the
    // contractions are formed: on the broadcast + multi_reduction form these
    // patterns materialize the broadcasts.
    RewritePatternSet unitDims(&getContext());
    vector::populateCastAwayVectorLeadingOneDimPatterns(unitDims);
    if (failed(applyPatternsGreedily(getOperation(), std::move(unitDims))))
      return signalPassFailure();
    // Keep the accumulator tile in registers across the k loop: the C tile's
    // slice and then its vector read/write leave the loops (innermost first).
    // Loops are collected afresh each round (post-order: innermost first);
    // hoisting replaces a loop by one with more iter_args, so handles from
    // tiling or from an earlier round would dangle.
    for (int round = 0; round < 2; ++round) {
      SmallVector<scf::ForOp> loops;
      getOperation().walk([&](scf::ForOp loop) {
        bool hasContract = false;
        loop.getBody()->walk([&](vector::ContractionOp) { hasContract = true; });
        if (hasContract)
          loops.push_back(loop);
      });
      for (scf::ForOp loop : loops)
        hoistLoopInvariantSubsets(rw, cast<LoopLikeOpInterface>(loop.getOperation()));
    }
  }
};

} // namespace
