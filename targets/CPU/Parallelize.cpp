//===- Parallelize.cpp - chunk large linalg ops into scf.forall ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUPARALLELIZE
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

struct CPUParallelizePass
    : autoglm::impl::CPUParallelizeBase<CPUParallelizePass> {
  using CPUParallelizeBase::CPUParallelizeBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      // Only top-level ops: a tiled op's body is already inside a chunk.
      if (op->getParentOfType<scf::ForallOp>() || !op.hasPureTensorSemantics())
        return;
      if (isa<linalg::FillOp>(op.getOperation()))
        return;
      ops.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic))
        continue;
      int64_t work = 1;
      for (int64_t r : ranges)
        work *= std::max<int64_t>(r, 1);
      if (work < minWork)
        continue;
      auto iters = op.getIteratorTypesArray();
      // The outermost parallel loop with some extent; the innermost loop only
      // as a last resort, since it is the one LLVM vectorizes.
      int64_t dim = -1;
      for (unsigned i = 0; i < iters.size(); ++i)
        if (iters[i] == utils::IteratorType::parallel && ranges[i] >= 2 &&
            (dim < 0 || i + 1 < iters.size())) {
          dim = i;
          if (i + 1 < iters.size())
            break;
        }
      if (dim < 0)
        continue;
      int64_t extent = ranges[dim];
      // At least 8 per chunk where possible: room for a register tile; and
      // at least min-work iterations per chunk, so a small op is not cut
      // into many forks' worth of tiny chunks.
      int64_t n = std::max<int64_t>(std::min<int64_t>(extent, 2),
                                    std::min<int64_t>(chunks, extent / 8));
      n = std::max<int64_t>(std::min<int64_t>(n, work / minWork), 2);
      int64_t tile = (extent + n - 1) / n;
      // A multiple of 8, so the chunk keeps the register-tiled kernels.
      if (extent >= 16 && tile % 8)
        tile = std::min<int64_t>(extent, (tile + 7) / 8 * 8);
      SmallVector<int64_t> sizes(ranges.size(), 0);
      sizes[dim] = tile;
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      auto tileable = dyn_cast<TilingInterface>(op.getOperation());
      if (!tileable)
        continue;
      rw.setInsertionPoint(op);
      auto tiled = scf::tileUsingSCF(rw, tileable, options);
      if (failed(tiled))
        continue; // not tileable: it stays serial
      rw.replaceOp(op, tiled->replacements);
    }
  }
};

} // namespace
