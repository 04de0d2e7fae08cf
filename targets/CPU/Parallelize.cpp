//===- Parallelize.cpp - chunk large linalg ops into scf.forall ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"
#include "KernelSupport.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUPARALLELIZE
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

/// The chunk width for `extent` iterations near `target`: a multiple of 8
/// (so a chunk keeps the register-tiled kernels) that divides the extent (so
/// every chunk has the same static shape, which the kernels need), looked for
/// up to twice the target, then down from it; else any divisor in that
/// range; else the target rounded up to a multiple of 8 (the last chunk is
/// then partial and its shapes dynamic).
int64_t chunkSize(int64_t extent, int64_t target) {
  auto search = [&](bool multipleOf8) -> int64_t {
    for (int64_t t = target; t <= std::min(extent, 2 * target); ++t)
      if (extent % t == 0 && (!multipleOf8 || t % 8 == 0))
        return t;
    for (int64_t t = target - 1; t >= 1; --t)
      if (extent % t == 0 && (!multipleOf8 || t % 8 == 0))
        return t;
    return 0;
  };
  if (extent < 16)
    return target;
  if (int64_t t = search(true))
    return t;
  if (int64_t t = search(false); t >= std::max<int64_t>(1, target / 2))
    return t;
  return std::min<int64_t>(extent, (target + 7) / 8 * 8);
}

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
      int64_t work = autoglm::cpu::staticWork(op);
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
      int64_t tile = chunkSize(extent, (extent + n - 1) / n);
      SmallVector<int64_t> sizes(ranges.size(), 0);
      sizes[dim] = tile;
      auto tileable = dyn_cast<TilingInterface>(op.getOperation());
      if (tileable) // an op that does not tile stays serial
        (void)autoglm::cpu::tileOp(rw, tileable, sizes, /*forall=*/true);
    }
  }
};

} // namespace
