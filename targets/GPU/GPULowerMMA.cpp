//===- GPULowerMMA.cpp - tensor-core contractions (mma.sync) -----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// autoglm-gpu-lower-reductions' mma forms (`--precision tf32|bf16|fp16`):
// an f32 multiply-add contraction (matmul, linear layer, attention's
// products, a convolution as an implicit GEMM) as warps of nvvm.mma.sync,
// loading fragments from global memory, or (bf16 / fp16) from K slices that
// blocks of 4 warps stage in shared memory, optionally pipelined. See
// docs/gpu.md, "Tensor cores".
//===----------------------------------------------------------------------===//

#include "GPUCommon.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"

using namespace mlir;
using namespace mlir::autoglm::gpu_detail;

namespace {

/// The index arithmetic the mma forms build at their insertion point.
struct IndexOps {
  OpBuilder &b;
  Location loc;
  ArrayRef<int64_t> ranges;
  Value add(Value v, int64_t c) const {
    return c == 0 ? v
                  : arith::AddIOp::create(b, loc, v, arith::ConstantIndexOp::create(b, loc, c))
                        .getResult();
  }
  Value addv(Value x, Value y) const { return arith::AddIOp::create(b, loc, x, y).getResult(); }
  /// `x && y` where a null condition is true.
  Value andi(Value x, Value y) const { return andIf(b, loc, x, y); }
  /// The position `flat` over `dims` (see gpu_detail::position).
  Pos position(Value flat, ArrayRef<unsigned> dims, int64_t total, bool maybePast) const {
    return mlir::autoglm::gpu_detail::position(b, loc, ranges, flat, dims, total, maybePast);
  }
};

class MMALowering : MMAOptions {
public:
  explicit MMALowering(const MMAOptions &o) : MMAOptions(o) {}

  bool run(linalg::GenericOp op) {
    std::optional<MMAPlan> plan = planMMA(op);
    if (!plan)
      return false;
    if (!sharedMMA(op))
      lowerGlobal(op, *plan);
    else if (mmaStages < 2 || !lowerMMAAsync(op, *plan))
      lowerMMAShared(op, *plan);
    return true;
  }

private:
  /// The ops fused into `op`'s kernel (with `fuse`): the output's
  /// initialization and its in-place epilogue.
  std::pair<linalg::LinalgOp, linalg::GenericOp> fused(linalg::GenericOp op, Value out) {
    if (!fuse)
      return {nullptr, nullptr};
    return {initProducer(op, out), epilogueConsumer(op, out)};
  }

  /// How an f32 multiply-add contraction maps onto mma.sync: `a` is the
  /// input that does not read the output's innermost dim (the mma's A, rows
  /// M), `b` the one that does (B, columns N); parallel dims only `a` reads
  /// are M, only `b` reads N, the rest batch; every reduction dim is K.
  struct MMAPlan {
    OpOperand *a = nullptr, *b = nullptr;
    SmallVector<unsigned> m, n, batch, k;
    int64_t mTotal = 1, nTotal = 1, kTotal = 1;
  };

  std::optional<MMAPlan> planMMA(linalg::GenericOp op) {
    if (mma == "none" || op.getNumDpsInputs() != 2)
      return std::nullopt;
    OpOperand *out = op.getDpsInitOperand(0);
    auto f32 = [](Value v) {
      auto t = dyn_cast<MemRefType>(v.getType());
      return t && t.getElementType().isF32();
    };
    if (!f32(out->get()) || !f32(op.getDpsInputOperand(0)->get()) ||
        !f32(op.getDpsInputOperand(1)->get()))
      return std::nullopt;
    // The payload: out + in0 * in1 (either order).
    Block *body = op.getBody();
    if (body->getOperations().size() != 3)
      return std::nullopt;
    auto mul = dyn_cast<arith::MulFOp>(body->front());
    auto add = dyn_cast<arith::AddFOp>(*std::next(body->begin()));
    if (!mul || !add || body->getTerminator()->getOperand(0) != add.getResult())
      return std::nullopt;
    Value a0 = body->getArgument(0), a1 = body->getArgument(1), acc = body->getArgument(2);
    if (!((mul.getLhs() == a0 && mul.getRhs() == a1) || (mul.getLhs() == a1 && mul.getRhs() == a0)))
      return std::nullopt;
    if (!((add.getLhs() == acc && add.getRhs() == mul.getResult()) ||
          (add.getRhs() == acc && add.getLhs() == mul.getResult())))
      return std::nullopt;
    AffineMap outMap = op.getMatchingIndexingMap(out);
    if (outMap.getNumResults() == 0 ||
        !llvm::all_of(outMap.getResults(), [](AffineExpr e) { return isa<AffineDimExpr>(e); }))
      return std::nullopt;
    unsigned inner = cast<AffineDimExpr>(outMap.getResults().back()).getPosition();
    MMAPlan plan;
    for (OpOperand *in : op.getDpsInputOperands())
      (usesDim(op.getMatchingIndexingMap(in), inner) ? plan.b : plan.a) = in;
    if (!plan.a || !plan.b)
      return std::nullopt;
    AffineMap am = op.getMatchingIndexingMap(plan.a), bm = op.getMatchingIndexingMap(plan.b);
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    // M and N in the output's order (flattened row-major), K in loop order.
    for (AffineExpr e : outMap.getResults()) {
      unsigned d = cast<AffineDimExpr>(e).getPosition();
      bool inA = usesDim(am, d), inB = usesDim(bm, d);
      if (inA && !inB) {
        plan.m.push_back(d);
        plan.mTotal *= ranges[d];
      } else if (inB && !inA) {
        plan.n.push_back(d);
        plan.nTotal *= ranges[d];
      } else {
        plan.batch.push_back(d);
      }
    }
    for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
      if (it == utils::IteratorType::reduction) {
        plan.k.push_back(d);
        plan.kTotal *= ranges[d];
      }
    // Too narrow a tile wastes most of the tensor core: the scalar form.
    if (plan.mTotal < 16 || plan.nTotal < 8 || plan.kTotal < 8)
      return std::nullopt;
    return plan;
  }

  static int64_t ceilDiv(int64_t x, int64_t y) { return (x + y - 1) / y; }

  /// The product of the batch dims' extents.
  static int64_t batchSize(const MMAPlan &plan, ArrayRef<int64_t> ranges) {
    int64_t batch = 1;
    for (unsigned d : plan.batch)
      batch *= ranges[d];
    return batch;
  }

  /// The kernel's loop extents: the batch dims, the M tiles, the N tiles
  /// and the threads of one tile (a warp's lanes, or a block's threads).
  static SmallVector<int64_t> loopExtents(const MMAPlan &plan, ArrayRef<int64_t> ranges,
                                          int64_t mTiles, int64_t nTiles, int64_t threads) {
    SmallVector<int64_t> extents;
    for (unsigned d : plan.batch)
      extents.push_back(ranges[d]);
    extents.append({mTiles, nTiles, threads});
    return extents;
  }

  /// One K step of a warp's tm x tn mma tiles: accumulators `accs` (4 per
  /// tile, tile i * tn + j), A's fragment registers per M tile, B's per N
  /// tile; the new accumulators in the same order.
  SmallVector<Value> mmaTiles(OpBuilder &b, Location loc, ArrayRef<Value> accs,
                              ArrayRef<SmallVector<Value>> aFrags,
                              ArrayRef<SmallVector<Value>> bFrags, int64_t kStep) {
    NVVM::MMATypes ptx = mma == "tf32"   ? NVVM::MMATypes::tf32
                         : mma == "bf16" ? NVVM::MMATypes::bf16
                                         : NVVM::MMATypes::f16;
    Type f32 = b.getF32Type();
    auto resultType = LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
    // f16 operands are f16x2 vectors to NVVM; bf16 and tf32 are i32.
    auto operands = [&](ArrayRef<Value> regs) {
      SmallVector<Value> ops;
      for (Value v : regs)
        ops.push_back(mma == "fp16"
                          ? LLVM::BitcastOp::create(b, loc, VectorType::get({2}, b.getF16Type()), v)
                                .getResult()
                          : v);
      return ops;
    };
    SmallVector<Value> next;
    int64_t tn = bFrags.size();
    for (int64_t i = 0; i < (int64_t)aFrags.size(); ++i)
      for (int64_t j = 0; j < tn; ++j) {
        auto mmaOp = NVVM::MmaOp::create(
            b, loc, resultType, operands(aFrags[i]), operands(bFrags[j]),
            accs.slice((i * tn + j) * 4, 4), ArrayRef<int64_t>{16, 8, kStep}, std::nullopt,
            std::nullopt, std::array<NVVM::MMATypes, 2>{ptx, ptx},
            std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
        for (int64_t e = 0; e < 4; ++e)
          next.push_back(LLVM::ExtractValueOp::create(b, loc, mmaOp.getRes(), e));
      }
    return next;
  }

  /// A loop value per dim of `op`: the batch dims' from the kernel loop's
  /// `lvs` (batch first), 0 elsewhere until a position is placed.
  static SmallVector<Value> batchIvs(linalg::GenericOp op, const MMAPlan &plan, ValueRange lvs,
                                     Value zero) {
    SmallVector<Value> ivs(op.getNumLoops(), zero);
    for (auto [i, d] : llvm::enumerate(plan.batch))
      ivs[d] = lvs[i];
    return ivs;
  }

  /// Sets the loop values of the dims `p` stands for.
  static void placeAt(SmallVectorImpl<Value> &ivs, const Pos &p) {
    for (auto [d, v] : p.dims)
      ivs[d] = v;
  }

  /// The 16 x 8 mma tiles (tm x tn) each warp of a `warpsM` x `warpsN`
  /// group of warps computes: as many as asked while the M and N extents
  /// fill them, halved (N first while it is at least twice M) while fewer
  /// than `min-threads` threads would run.
  std::pair<int64_t, int64_t> warpTiles(const MMAPlan &plan, int64_t batch, int64_t warpsM,
                                        int64_t warpsN) {
    int64_t tm =
        std::max<int64_t>(1, std::min<int64_t>(mmaTileM, ceilDiv(plan.mTotal, 16 * warpsM)));
    int64_t tn =
        std::max<int64_t>(1, std::min<int64_t>(mmaTileN, ceilDiv(plan.nTotal, 8 * warpsN)));
    auto threads = [&] {
      return batch * ceilDiv(plan.mTotal, 16 * warpsM * tm) *
             ceilDiv(plan.nTotal, 8 * warpsN * tn) * 32 * warpsM * warpsN;
    };
    while ((tm > 1 || tn > 1) && threads() < minThreads)
      (tn >= tm * 2 || tm == 1 ? tn : tm) /= 2;
    return {tm, tn};
  }

  /// The contraction as warps of mma.sync: each warp owns `tm` x `tn`
  /// tiles of 16 x 8 outputs (a lane holds 4 accumulators of each, in the
  /// mma's fragment layout) and walks K in steps of 8 (tf32) or 16 (bf16,
  /// fp16), loading its A and B fragments straight from memory (rows, columns
  /// and steps past the end read 0) and rounding them in registers. The
  /// output's start value and in-place epilogue fuse as in the scalar form.
  void lowerGlobal(linalg::GenericOp op, const MMAPlan &plan) {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    bool tf32 = mma == "tf32";
    int64_t kStep = tf32 ? 8 : 16;
    Type half = mma == "bf16" ? Type(BFloat16Type::get(ctx)) : Type(Float16Type::get(ctx));
    // A warp's tiles: as many as asked while the M and N extents fill them
    // and the GPU keeps enough warps.
    auto [tm, tn] = warpTiles(plan, batchSize(plan, ranges), 1, 1);
    int64_t mTiles = ceilDiv(plan.mTotal, 16 * tm), nTiles = ceilDiv(plan.nTotal, 8 * tn);
    int64_t kPadded = ceilDiv(plan.kTotal, kStep) * kStep;

    Value out = op.getDpsInitOperand(0)->get();
    auto [init, epilogue] = fused(op, out);
    OpBuilder b(epilogue ? epilogue.getOperation() : op.getOperation());
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
    // Loops: the batch dims, then the M tiles, the N tiles and the 32 lanes.
    SmallVector<int64_t> extents = loopExtents(plan, ranges, mTiles, nTiles, 32);
    Value c0 = index(0), c1 = index(1);
    SmallVector<Value> lbs(extents.size(), c0), steps(extents.size(), c1), ubs;
    for (int64_t e : extents)
      ubs.push_back(index(e));
    auto loop = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> lvs(loop.getInductionVars());
    unsigned nb = plan.batch.size();
    Value lane = lvs[nb + 2];
    Value group = arith::DivUIOp::create(b, loc, lane, index(4));
    Value quad = arith::RemUIOp::create(b, loc, lane, index(4));
    Value mBase = arith::MulIOp::create(b, loc, lvs[nb], index(16 * tm));
    Value nBase = arith::MulIOp::create(b, loc, lvs[nb + 1], index(8 * tn));
    IndexOps ix{b, loc, ranges};
    bool mPast = plan.mTotal % (16 * tm) != 0, nPast = plan.nTotal % (8 * tn) != 0;
    bool kPast = kPadded != plan.kTotal;
    // Rows g and g + 8 of each M tile; columns g (B) and 2q, 2q + 1 (C) of
    // each N tile.
    SmallVector<Pos> rows, bCols, cCols;
    for (int64_t i = 0; i < tm; ++i)
      for (int64_t h : {0, 8})
        rows.push_back(ix.position(ix.add(arith::AddIOp::create(b, loc, mBase, group), 16 * i + h),
                                   plan.m, plan.mTotal, mPast));
    Value twoQ = arith::MulIOp::create(b, loc, quad, index(2));
    for (int64_t j = 0; j < tn; ++j) {
      bCols.push_back(ix.position(ix.add(arith::AddIOp::create(b, loc, nBase, group), 8 * j),
                                  plan.n, plan.nTotal, nPast));
      for (int64_t h : {0, 1})
        cCols.push_back(ix.position(ix.add(arith::AddIOp::create(b, loc, nBase, twoQ), 8 * j + h),
                                    plan.n, plan.nTotal, nPast));
    }
    SmallVector<Value> ivs = batchIvs(op, plan, lvs, c0);
    auto place = [&](const Pos &p) { placeAt(ivs, p); };
    SmallVector<SmallVector<Value>> at;
    SmallVector<Value> valid, accs;
    startAccumulators(b, loc, op, rows, cCols, tm, tn, ivs, out, init, at, valid, accs);
    auto kLoop = scf::ForOp::create(b, loc, c0, index(kPadded), index(kStep), accs);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = kLoop.getInductionVar();
    // The K positions a lane reads: q and q + 4 (tf32); 2q, 2q + 1, 2q + 8,
    // 2q + 9 (16-bit).
    SmallVector<Pos> ks;
    Value kq = arith::AddIOp::create(b, loc, k0, tf32 ? quad : twoQ);
    for (int64_t off : tf32 ? SmallVector<int64_t>{0, 4} : SmallVector<int64_t>{0, 1, 8, 9})
      ks.push_back(ix.position(ix.add(kq, off), plan.k, plan.kTotal, kPast));
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    Type i32 = b.getI32Type(), i16 = b.getI16Type();
    auto load = [&](OpOperand *in, const Pos &p, const Pos &k) {
      place(p);
      place(k);
      Value v = memref::LoadOp::create(b, loc, in->get(),
                                       indices(b, loc, op.getMatchingIndexingMap(in), ivs));
      if (Value ok = ix.andi(p.valid, k.valid))
        v = arith::SelectOp::create(b, loc, ok, v, zero);
      return v;
    };
    // One 32-bit register of a fragment: a tf32 (the f32's bits: the tensor
    // core reads the top 19), or two 16-bit values, the first in the low half.
    auto reg = [&](OpOperand *in, const Pos &p, const Pos *k0, const Pos *k1) -> Value {
      Value x = load(in, p, *k0);
      if (tf32)
        return arith::BitcastOp::create(b, loc, i32, x);
      Value y = load(in, p, *k1);
      auto bits = [&](Value f) {
        Value h = arith::TruncFOp::create(b, loc, half, f);
        return arith::ExtUIOp::create(b, loc, i32, arith::BitcastOp::create(b, loc, i16, h));
      };
      Value hi = arith::ShLIOp::create(b, loc, bits(y),
                                       arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(16)));
      return arith::OrIOp::create(b, loc, bits(x), hi);
    };
    // A's register r holds row (r % 2) * 8 + g at K q + (r / 2) * 4 (tf32)
    // or the pair 2q, 2q + 1 plus (r / 2) * 8; B's register r holds column g
    // at K q + 4r or the pair 2q + 8r, 2q + 8r + 1.
    int64_t per = tf32 ? 1 : 2;
    SmallVector<SmallVector<Value>> aFrags(tm), bFrags(tn);
    for (int64_t i = 0; i < tm; ++i)
      for (int64_t r = 0; r < 4; ++r)
        aFrags[i].push_back(reg(plan.a, rows[i * 2 + r % 2], &ks[(r / 2) * per],
                                tf32 ? nullptr : &ks[(r / 2) * per + 1]));
    for (int64_t j = 0; j < tn; ++j)
      for (int64_t r = 0; r < 2; ++r)
        bFrags[j].push_back(reg(plan.b, bCols[j], &ks[r * per], tf32 ? nullptr : &ks[r * per + 1]));
    SmallVector<Value> accsIn(kLoop.getRegionIterArgs());
    SmallVector<Value> next = mmaTiles(b, loc, accsIn, aFrags, bFrags, kStep);
    scf::YieldOp::create(b, loc, next);
    b.setInsertionPointAfter(kLoop);
    storeAndErase(b, loc, op, kLoop.getResults(), at, valid, out, init, epilogue);
    // Last: unrolling replaces the loop (and its results, which the stores use).
    if (mmaUnroll > 1 && kPadded / kStep >= mmaUnroll)
      (void)loopUnrollByFactor(kLoop, mmaUnroll);
  }

  /// The two shared-memory forms' blocks: 2 x 2 warps of tm x tn mma
  /// tiles, 128 threads.
  static constexpr int64_t kWarpsM = 2, kWarpsN = 2, kThreads = 32 * kWarpsM * kWarpsN;

  /// What a block of either shared-memory form starts with: the loop over
  /// blocks, each thread's coordinates (its lane's group and quad, the
  /// block's and the warp's first row and column), and its accumulators'
  /// output points and start values (as in lowerGlobal).
  struct BlockStart {
    SmallVector<Value> ivs;
    Value thread, group, quad, twoQ, mBlock, nBlock, mWarp, nWarp;
    SmallVector<SmallVector<Value>> at;
    SmallVector<Value> valid, accs;
  };
  BlockStart startBlock(OpBuilder &b, Location loc, linalg::GenericOp op, const MMAPlan &plan,
                        ArrayRef<int64_t> ranges, int64_t tm, int64_t tn, Value out,
                        linalg::LinalgOp init) {
    int64_t bm = 16 * kWarpsM * tm, bn = 8 * kWarpsN * tn;
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
    auto [loop, lvs] = blockLoop(
        b, loc,
        loopExtents(plan, ranges, ceilDiv(plan.mTotal, bm), ceilDiv(plan.nTotal, bn), kThreads),
        kThreads);
    (void)loop;
    unsigned nb = plan.batch.size();
    BlockStart k;
    k.thread = lvs[nb + 2];
    Value warp = arith::DivUIOp::create(b, loc, k.thread, index(32));
    Value lane = arith::RemUIOp::create(b, loc, k.thread, index(32));
    Value warpM = arith::DivUIOp::create(b, loc, warp, index(kWarpsN));
    Value warpN = arith::RemUIOp::create(b, loc, warp, index(kWarpsN));
    k.group = arith::DivUIOp::create(b, loc, lane, index(4));
    k.quad = arith::RemUIOp::create(b, loc, lane, index(4));
    k.mBlock = arith::MulIOp::create(b, loc, lvs[nb], index(bm));
    k.nBlock = arith::MulIOp::create(b, loc, lvs[nb + 1], index(bn));
    k.mWarp = arith::MulIOp::create(b, loc, warpM, index(16 * tm));
    k.nWarp = arith::MulIOp::create(b, loc, warpN, index(8 * tn));
    k.twoQ = arith::MulIOp::create(b, loc, k.quad, index(2));
    k.ivs = batchIvs(op, plan, lvs, index(0));
    auto at = [&](Value base, Value warpAt, Value lanePart, int64_t c) {
      Value v = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, base, warpAt).getResult(), lanePart);
      return c == 0 ? v : arith::AddIOp::create(b, loc, v, index(c)).getResult();
    };
    bool mPast = plan.mTotal % bm != 0, nPast = plan.nTotal % bn != 0;
    SmallVector<Pos> rows, cols;
    for (int64_t i = 0; i < tm; ++i)
      for (int64_t h : {0, 8})
        rows.push_back(position(b, loc, ranges, at(k.mBlock, k.mWarp, k.group, 16 * i + h), plan.m,
                                plan.mTotal, mPast));
    for (int64_t j = 0; j < tn; ++j)
      for (int64_t h : {0, 1})
        cols.push_back(position(b, loc, ranges, at(k.nBlock, k.nWarp, k.twoQ, 8 * j + h), plan.n,
                                plan.nTotal, nPast));
    startAccumulators(b, loc, op, rows, cols, tm, tn, k.ivs, out, init, k.at, k.valid, k.accs);
    return k;
  }

  /// Whether the mma contraction `op` stages its operands in shared memory:
  /// bf16 / fp16 only; with `auto`, always in the cp.async form (mma-stages
  /// >= 2: convolutions too, measured faster on resnet18 and mobilenet_v2 on
  /// an H200), else when both inputs are read through plain dims (matmuls:
  /// measured faster on BERT and ViT on an H100), not a convolution's
  /// windows (measured slower there on resnet18 and mobilenet_v2).
  bool sharedMMA(linalg::GenericOp op) {
    if (mma == "tf32" || mmaShared == "off")
      return false;
    if (mmaShared == "on" || mmaStages >= 2)
      return true;
    return llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *in) {
      return op.getMatchingIndexingMap(in).isProjectedPermutation();
    });
  }

  /// The contraction as blocks of 4 warps sharing tiles in shared memory
  /// (bf16 / fp16): a block owns a BM x BN output tile (2 x 2 warps of tm x
  /// tn mma tiles each) and walks K in slices of `kSlice`: its 128 threads
  /// load the slice of A (BM x kSlice) and of B (BN x kSlice) from global
  /// memory cooperatively (consecutive threads on consecutive K pairs, so
  /// row-major operands load coalesced), round them to 16 bits and store
  /// them as packed pairs, one 32-bit word per pair (rows padded by 4
  /// words: the fragment reads hit 32 different banks); after a barrier each
  /// warp reads its fragments with one 32-bit shared load per register.
  /// The output's start value and in-place epilogue fuse as in lowerGlobal.
  void lowerMMAShared(linalg::GenericOp op, const MMAPlan &plan) {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    constexpr int64_t kPad = 4, kStep = 16;
    const int64_t kSlice = mmaSlice;
    int64_t rowWords = kSlice / 2 + kPad;
    Type half = mma == "bf16" ? Type(BFloat16Type::get(ctx)) : Type(Float16Type::get(ctx));
    auto [tm, tn] = warpTiles(plan, batchSize(plan, ranges), kWarpsM, kWarpsN);
    int64_t bm = 16 * kWarpsM * tm, bn = 8 * kWarpsN * tn;
    int64_t mTiles = ceilDiv(plan.mTotal, bm), nTiles = ceilDiv(plan.nTotal, bn);
    int64_t kPadded = ceilDiv(plan.kTotal, kSlice) * kSlice;

    Value out = op.getDpsInitOperand(0)->get();
    auto [init, epilogue] = fused(op, out);
    OpBuilder b(epilogue ? epilogue.getOperation() : op.getOperation());
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
    BlockStart blk = startBlock(b, loc, op, plan, ranges, tm, tn, out, init);
    (void)mTiles, (void)nTiles;
    Value c0 = index(0), thread = blk.thread, group = blk.group, quad = blk.quad;
    Value mBlock = blk.mBlock, nBlock = blk.nBlock, mWarp = blk.mWarp, nWarp = blk.nWarp;
    SmallVector<Value> &ivs = blk.ivs;
    Type i32 = b.getI32Type(), i16 = b.getI16Type();
    auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    auto sharedTile = [&](int64_t rows) {
      SmallVector<int64_t> shape{rows, rowWords};
      if (mmaPipeline)
        shape.insert(shape.begin(), 2);
      return memref::AllocaOp::create(
          b, loc, MemRefType::get(shape, i32, MemRefLayoutAttrInterface(), workgroup));
    };
    Value sharedA = sharedTile(bm), sharedB = sharedTile(bn);
    IndexOps ix{b, loc, ranges};
    bool mPast = plan.mTotal % bm != 0, nPast = plan.nTotal % bn != 0;
    bool kPast = kPadded != plan.kTotal;
    auto place = [&](const Pos &p) { placeAt(ivs, p); };
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    auto bits = [&](Value f) {
      Value h = arith::TruncFOp::create(b, loc, half, f);
      return arith::ExtUIOp::create(b, loc, i32, arith::BitcastOp::create(b, loc, i16, h));
    };
    Value sixteen = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(16));
    // Cooperative loads: thread t takes pairs t, t + 128, ... of the slice;
    // pair p is row p / (kSlice / 2), K pair p % (kSlice / 2) (consecutive
    // threads along K), or, for an operand whose rows are contiguous in
    // memory (B stored K x N) with `mma-pipeline`, row p % rows, K pair
    // p / rows (consecutive threads along the rows: coalesced). Rows and
    // their positions do not depend on the slice: computed once.
    struct Pair {
      Value row, kk;
      Pos rp;
    };
    struct Operand {
      OpOperand *in;
      Value shared;
      SmallVector<Pair> pairs;
    };
    auto alongRows = [&](OpOperand *in, ArrayRef<unsigned> dims) {
      auto type = cast<MemRefType>(in->get().getType());
      AffineMap map = op.getMatchingIndexingMap(in);
      if (!mmaPipeline || dims.empty() || map.getNumResults() == 0 || !type.isLastDimUnitStride())
        return false;
      auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
      return last && last.getPosition() == dims.back() && ranges[dims.back()] >= 16;
    };
    auto operand = [&](OpOperand *in, Value shared, int64_t tileRows, Value base,
                       ArrayRef<unsigned> dims, int64_t total, bool past) {
      Operand o{in, shared, {}};
      bool rowsFirst = alongRows(in, dims);
      int64_t pairs = tileRows * kSlice / 2;
      for (int64_t i = 0; i * kThreads < pairs; ++i) {
        Value p = ix.add(thread, i * kThreads);
        Pair q;
        if (rowsFirst) {
          q.row = arith::RemUIOp::create(b, loc, p, index(tileRows));
          q.kk = arith::DivUIOp::create(b, loc, p, index(tileRows));
        } else {
          q.row = arith::DivUIOp::create(b, loc, p, index(kSlice / 2));
          q.kk = arith::RemUIOp::create(b, loc, p, index(kSlice / 2));
        }
        q.rp = ix.position(ix.addv(base, q.row), dims, total, past);
        o.pairs.push_back(q);
      }
      return o;
    };
    Operand opA = operand(plan.a, sharedA, bm, mBlock, plan.m, plan.mTotal, mPast);
    Operand opB = operand(plan.b, sharedB, bn, nBlock, plan.n, plan.nTotal, nPast);
    // The slice at k0 of both operands, as f32 values (0 past the extents).
    auto loadSlice = [&](Value k0) {
      SmallVector<Value> raw;
      for (Operand *o : {&opA, &opB})
        for (Pair &q : o->pairs) {
          Value kAt = ix.addv(k0, arith::MulIOp::create(b, loc, q.kk, index(2)));
          for (int64_t h : {0, 1}) {
            Pos kp = ix.position(ix.add(kAt, h), plan.k, plan.kTotal, kPast);
            place(q.rp);
            place(kp);
            Value v = memref::LoadOp::create(
                b, loc, o->in->get(), indices(b, loc, op.getMatchingIndexingMap(o->in), ivs));
            if (Value ok = ix.andi(q.rp.valid, kp.valid))
              v = arith::SelectOp::create(b, loc, ok, v, zero);
            raw.push_back(v);
          }
        }
      return raw;
    };
    // Rounded to 16 bits, packed in pairs, stored in the slice buffer `buf`
    // (null: the only one). Rows past a partial tile exist in shared memory
    // too (they read 0).
    auto sharedAt = [&](Value buf, Value row, Value word) {
      return buf ? SmallVector<Value>{buf, row, word} : SmallVector<Value>{row, word};
    };
    auto storeSlice = [&](ArrayRef<Value> raw, Value buf) {
      size_t next = 0;
      for (Operand *o : {&opA, &opB})
        for (Pair &q : o->pairs) {
          Value lo = bits(raw[next++]), hi = bits(raw[next++]);
          Value packed =
              arith::OrIOp::create(b, loc, lo, arith::ShLIOp::create(b, loc, hi, sixteen));
          memref::StoreOp::create(b, loc, packed, o->shared, sharedAt(buf, q.row, q.kk));
        }
    };
    if (mmaPipeline) {
      // The first slice goes to buffer 0 before the loop.
      storeSlice(loadSlice(c0), c0);
      gpu::BarrierOp::create(b, loc);
    }
    auto kLoop = scf::ForOp::create(b, loc, c0, index(kPadded), index(kSlice), blk.accs);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = kLoop.getInductionVar();
    Value buf;
    SmallVector<Value> nextRaw;
    if (mmaPipeline) {
      // Two buffers take turns: slice i is read from buffer i % 2 while the
      // next slice's loads, issued before the mma, are in flight; they are
      // stored into the other buffer after the mma and one barrier ends the
      // iteration (every warp has then read slice i - 1 from the buffer
      // being written, and the stores are visible to slice i + 1's reads).
      // The last slice loads and stores itself again, in bounds. The loads
      // and their stores share an iteration: values carried from one
      // iteration's loads to the next one's stores would be folded back
      // into loads at the top of the loop (InstCombine sinks loads through
      // phis), which undoes the overlap.
      Value slice = arith::DivUIOp::create(b, loc, k0, index(kSlice));
      buf = arith::RemUIOp::create(b, loc, slice, index(2));
      Value kNext = arith::MinUIOp::create(b, loc, ix.add(k0, kSlice), index(kPadded - kSlice));
      nextRaw = loadSlice(kNext);
    } else {
      storeSlice(loadSlice(k0), Value());
      gpu::BarrierOp::create(b, loc);
    }
    SmallVector<Value> current(kLoop.getRegionIterArgs().begin(), kLoop.getRegionIterArgs().end());
    for (int64_t ks = 0; ks < kSlice; ks += kStep) {
      // A's register r: row (r % 2) * 8 + g, K pair q + (r / 2) * 4; B's
      // register r: column g, K pair q + 4r (words of the slice's row).
      SmallVector<SmallVector<Value>> aFrags(tm), bFrags(tn);
      for (int64_t i = 0; i < tm; ++i)
        for (int64_t r = 0; r < 4; ++r) {
          Value row = ix.add(ix.addv(mWarp, group), 16 * i + (r % 2) * 8);
          Value word = ix.add(quad, ks / 2 + (r / 2) * 4);
          aFrags[i].push_back(memref::LoadOp::create(b, loc, sharedA, sharedAt(buf, row, word)));
        }
      for (int64_t j = 0; j < tn; ++j)
        for (int64_t r = 0; r < 2; ++r) {
          Value col = ix.add(ix.addv(nWarp, group), 8 * j);
          Value word = ix.add(quad, ks / 2 + 4 * r);
          bFrags[j].push_back(memref::LoadOp::create(b, loc, sharedB, sharedAt(buf, col, word)));
        }
      current = mmaTiles(b, loc, current, aFrags, bFrags, kStep);
    }
    // The next slice's stores wait until every warp has read this one;
    // pipelined, they go into the other buffer now.
    if (mmaPipeline) {
      Value other = arith::SubIOp::create(b, loc, index(1), buf);
      storeSlice(nextRaw, other);
    }
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, current);
    b.setInsertionPointAfter(kLoop);
    storeAndErase(b, loc, op, kLoop.getResults(), blk.at, blk.valid, out, init, epilogue);
  }

  /// Whether the flat positions over `dims` of operand `in`, in groups of 4
  /// starting at multiples of 4, are 4 consecutive 16-byte aligned elements:
  /// the innermost of `dims` are the map's last results, in order, over
  /// which the memref is contiguous, with a product of extents that is a
  /// multiple of 4 (a group stays within that run); every other stride and
  /// the offset are multiples of 4; and the buffer is no argument but the
  /// arena (an address a caller binds may have any alignment; the arena's
  /// views and the weights are 64-byte aligned).
  static bool runsOfFour(linalg::GenericOp op, OpOperand *in, ArrayRef<unsigned> dims,
                         ArrayRef<int64_t> ranges) {
    auto type = cast<MemRefType>(in->get().getType());
    AffineMap map = op.getMatchingIndexingMap(in);
    unsigned n = dims.size(), r = map.getNumResults();
    SmallVector<int64_t> strides;
    int64_t offset;
    Value root = regionOf(in->get()).root;
    auto rootType = dyn_cast<MemRefType>(root.getType());
    if (n == 0 || r == 0 ||
        (isa<BlockArgument>(root) && rootType && !rootType.getElementType().isInteger(8)) ||
        failed(type.getStridesAndOffset(strides, offset)) || ShapedType::isDynamic(offset) ||
        offset % 4)
      return false;
    int64_t run = 1;
    unsigned matched = 0;
    for (; matched < std::min(n, r); ++matched) {
      unsigned res = r - 1 - matched, d = dims[n - 1 - matched];
      auto e = dyn_cast<AffineDimExpr>(map.getResult(res));
      if (!e || e.getPosition() != d || strides[res] != run || type.getDimSize(res) != ranges[d])
        break;
      run *= ranges[d];
    }
    for (unsigned res = 0; res + matched < r; ++res)
      if (ShapedType::isDynamic(strides[res]) || strides[res] % 4)
        return false;
    return matched > 0 && run % 4 == 0;
  }

  /// Whether `e` is `d` plus other terms (d with coefficient 1).
  static bool unitTerm(AffineExpr e, unsigned d) {
    if (auto dim = dyn_cast<AffineDimExpr>(e))
      return dim.getPosition() == d;
    auto bin = dyn_cast<AffineBinaryOpExpr>(e);
    return bin && bin.getKind() == AffineExprKind::Add &&
           (unitTerm(bin.getLHS(), d) || unitTerm(bin.getRHS(), d));
  }

  /// The contraction as blocks of 4 warps over K slices that cp.async
  /// copies from global into shared memory (`mma-stages` >= 2; bf16 /
  /// fp16): as the mma-shared form, but the slices stay f32 in shared
  /// memory (rounded to 16 bits as the fragments are read), `stages`
  /// buffers are in flight (slice i + stages - 1 is copied while slice i's
  /// mma runs) and no thread holds a slice in registers. Each operand's
  /// slice is laid out as it lies in memory: K-major ([row][k]) unless its
  /// rows are the contiguous dim (a weight stored K x N, a convolution's
  /// input along its output columns: [k][row]); runs of 4 contiguous,
  /// aligned elements copy as one 16-byte cp.async, anything else (windows,
  /// odd extents) element by element, so convolutions take this form too.
  /// Elements past the extents are zero-filled by the copy (src-size 0).
  /// False (nothing built) when the stages do not fit 48 KiB of shared
  /// memory with slices of 16.
  bool lowerMMAAsync(linalg::GenericOp op, const MMAPlan &plan) {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    constexpr int64_t kStep = 16, kSharedBytes = 48 * 1024;
    auto [tm, tn] = warpTiles(plan, batchSize(plan, ranges), kWarpsM, kWarpsN);
    int64_t bm = 16 * kWarpsM * tm, bn = 8 * kWarpsN * tn;
    // Each operand's layout and copy width.
    struct Layout {
      OpOperand *in;
      ArrayRef<unsigned> dims;
      int64_t rows, total;
      bool rowsMajor;
      int64_t vec;
    };
    auto layout = [&](OpOperand *in, ArrayRef<unsigned> dims, int64_t rows, int64_t total) {
      Layout l{in, dims, rows, total, false, 1};
      AffineMap map = op.getMatchingIndexingMap(in);
      if (runsOfFour(op, in, plan.k, ranges)) {
        l.vec = 4;
      } else if (runsOfFour(op, in, dims, ranges)) {
        l.rowsMajor = true;
        l.vec = 4;
      } else {
        l.rowsMajor = map.getNumResults() > 0 && !dims.empty() &&
                      unitTerm(map.getResults().back(), dims.back());
      }
      return l;
    };
    Layout la = layout(plan.a, plan.m, bm, plan.mTotal);
    Layout lb = layout(plan.b, plan.n, bn, plan.nTotal);
    // Rows padded so that the fragment reads spread over the banks: K-major
    // rows by 8 words (a half-warp's 64-bit pairs hit 32 banks), rows-major
    // ones by 4 (a quad's 4 K rows 8 banks apart); both keep rows 16-byte
    // aligned for the vector copies.
    auto shape = [&](const Layout &l, int64_t slice) {
      return l.rowsMajor ? SmallVector<int64_t>{slice, l.rows + 4}
                         : SmallVector<int64_t>{l.rows, slice + 8};
    };
    auto stageBytes = [&](int64_t slice) {
      int64_t words = 0;
      for (const Layout *l : {&la, &lb}) {
        SmallVector<int64_t> s = shape(*l, slice);
        words += s[0] * s[1];
      }
      return 4 * words;
    };
    int64_t kSlice = mmaSlice;
    while (kSlice > 16 && mmaStages * stageBytes(kSlice) > kSharedBytes)
      kSlice /= 2;
    int64_t stages = std::min<int64_t>(mmaStages, kSharedBytes / stageBytes(kSlice));
    if (stages < 2)
      return false;
    int64_t mTiles = ceilDiv(plan.mTotal, bm), nTiles = ceilDiv(plan.nTotal, bn);
    int64_t kPadded = ceilDiv(plan.kTotal, kSlice) * kSlice, slices = kPadded / kSlice;

    Value out = op.getDpsInitOperand(0)->get();
    auto [init, epilogue] = fused(op, out);
    OpBuilder b(epilogue ? epilogue.getOperation() : op.getOperation());
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
    BlockStart blk = startBlock(b, loc, op, plan, ranges, tm, tn, out, init);
    (void)mTiles, (void)nTiles;
    Value c0 = index(0), thread = blk.thread, group = blk.group, twoQ = blk.twoQ;
    Value mBlock = blk.mBlock, nBlock = blk.nBlock, mWarp = blk.mWarp, nWarp = blk.nWarp;
    SmallVector<Value> &ivs = blk.ivs;
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    Type half = mma == "bf16" ? Type(BFloat16Type::get(ctx)) : Type(Float16Type::get(ctx));
    auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    auto sharedTile = [&](const Layout &l) {
      SmallVector<int64_t> s = shape(l, kSlice);
      s.insert(s.begin(), stages);
      return memref::AllocaOp::create(
                 b, loc, MemRefType::get(s, f32, MemRefLayoutAttrInterface(), workgroup))
          .getResult();
    };
    Value sharedA = sharedTile(la), sharedB = sharedTile(lb);
    IndexOps ix{b, loc, ranges};
    bool mPast = plan.mTotal % bm != 0, nPast = plan.nTotal % bn != 0;
    bool kPast = kPadded != plan.kTotal;
    auto place = [&](const Pos &p) { placeAt(ivs, p); };

    // The copies a thread issues per slice: chunk c = thread + 128 i of an
    // operand's rows x kSlice / vec; K-major, consecutive chunks run along
    // K, rows-major along the rows (coalesced either way where memory is
    // contiguous). Rows and their positions do not depend on the slice.
    struct Chunk {
      Value row, kk, live;
      Pos rp;
    };
    struct Copies {
      const Layout *l;
      Value shared;
      SmallVector<Chunk> chunks;
    };
    auto copies = [&](const Layout &l, Value shared, Value base, bool past) {
      Copies c{&l, shared, {}};
      int64_t total = l.rows * kSlice / l.vec;
      int64_t along = (l.rowsMajor ? l.rows : kSlice) / l.vec;
      for (int64_t i = 0; i * kThreads < total; ++i) {
        Value p = ix.add(thread, i * kThreads);
        Chunk ch;
        if ((i + 1) * kThreads > total)
          ch.live = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, p, index(total));
        Value first = arith::MulIOp::create(b, loc, arith::RemUIOp::create(b, loc, p, index(along)),
                                            index(l.vec));
        Value second = arith::DivUIOp::create(b, loc, p, index(along));
        ch.row = l.rowsMajor ? first : second;
        ch.kk = l.rowsMajor ? second : first;
        ch.rp = ix.position(ix.addv(base, ch.row), l.dims, l.total, past);
        c.chunks.push_back(ch);
      }
      return c;
    };
    Copies copyA = copies(la, sharedA, mBlock, mPast);
    Copies copyB = copies(lb, sharedB, nBlock, nPast);
    auto tokenType = nvgpu::DeviceAsyncTokenType::get(ctx);
    // Copies slice `k0` into buffer `stage`; `inRange` false: zero-fills it.
    auto issue = [&](Value k0, Value stage, Value inRange) {
      for (Copies *c : {&copyA, &copyB}) {
        const Layout &l = *c->l;
        for (Chunk &ch : c->chunks) {
          OpBuilder::InsertionGuard guard(b);
          if (ch.live) {
            auto ifOp = scf::IfOp::create(b, loc, ch.live, /*withElseRegion=*/false);
            b.setInsertionPointToStart(&ifOp.getThenRegion().front());
          }
          Pos kp = ix.position(ix.addv(k0, ch.kk), plan.k, plan.kTotal, kPast);
          place(ch.rp);
          place(kp);
          SmallVector<Value> src = indices(b, loc, op.getMatchingIndexingMap(l.in), ivs);
          Value ok = ix.andi(ix.andi(ch.rp.valid, kp.valid), inRange);
          Value count =
              ok ? arith::SelectOp::create(b, loc, ok, index(l.vec), c0).getResult() : Value();
          SmallVector<Value> dst{stage};
          dst.append(l.rowsMajor ? SmallVector<Value>{ch.kk, ch.row}
                                 : SmallVector<Value>{ch.row, ch.kk});
          nvgpu::DeviceAsyncCopyOp::create(b, loc, tokenType, c->shared, dst, l.in->get(), src,
                                           b.getIndexAttr(l.vec), count,
                                           l.vec == 4 ? b.getUnitAttr() : UnitAttr());
        }
      }
      NVVM::CpAsyncCommitGroupOp::create(b, loc);
    };
    // The first stages - 1 slices before the loop (a group each, empty
    // past the last slice, so that the counting below holds).
    for (int64_t s = 0; s + 1 < stages; ++s) {
      if (s < slices)
        issue(index(s * kSlice), index(s), Value());
      else
        NVVM::CpAsyncCommitGroupOp::create(b, loc);
    }
    auto kLoop = scf::ForOp::create(b, loc, c0, index(kPadded), index(kSlice), blk.accs);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k0 = kLoop.getInductionVar();
    // Slice i's group is complete once at most stages - 2 younger ones are
    // pending; the barrier makes every thread's copies visible and ends
    // every warp's reads of slice i - 1, whose buffer slice
    // i + stages - 1 then takes (zero-filled past the last slice, its
    // addresses clamped in bounds).
    NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(stages - 2));
    gpu::BarrierOp::create(b, loc);
    Value slice = arith::DivUIOp::create(b, loc, k0, index(kSlice));
    Value kIssue = ix.add(k0, (stages - 1) * kSlice);
    Value inRange =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, kIssue, index(kPadded));
    issue(arith::MinUIOp::create(b, loc, kIssue, index(kPadded - kSlice)),
          arith::RemUIOp::create(b, loc, ix.add(slice, stages - 1), index(stages)), inRange);
    Value buf = arith::RemUIOp::create(b, loc, slice, index(stages));
    // One fragment register: the pair (k, k + 1) of a tile row, rounded and
    // packed, the first in the low half.
    auto reg = [&](const Layout &l, Value shared, Value row, Value k) {
      auto at = [&](Value kk) {
        return l.rowsMajor ? SmallVector<Value>{buf, kk, row} : SmallVector<Value>{buf, row, kk};
      };
      Value lo = memref::LoadOp::create(b, loc, shared, at(k));
      Value hi = memref::LoadOp::create(b, loc, shared, at(ix.add(k, 1)));
      // As a 2-vector: one cvt.rn.bf16x2.f32 (f16x2) rounds the pair.
      auto pair = VectorType::get({2}, f32);
      Value v = LLVM::UndefOp::create(b, loc, pair);
      for (auto [e, x] : llvm::enumerate(SmallVector<Value>{lo, hi}))
        v = LLVM::InsertElementOp::create(
            b, loc, v, x, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(e)));
      Value rounded = arith::TruncFOp::create(b, loc, VectorType::get({2}, half), v);
      return LLVM::BitcastOp::create(b, loc, i32, rounded).getResult();
    };
    SmallVector<Value> current(kLoop.getRegionIterArgs().begin(), kLoop.getRegionIterArgs().end());
    for (int64_t ks = 0; ks < kSlice; ks += kStep) {
      // A's register r: row (r % 2) * 8 + g, K 2q + (r / 2) * 8; B's
      // register r: column g, K 2q + 8r.
      SmallVector<SmallVector<Value>> aFrags(tm), bFrags(tn);
      for (int64_t i = 0; i < tm; ++i)
        for (int64_t r = 0; r < 4; ++r)
          aFrags[i].push_back(reg(la, sharedA, ix.add(ix.addv(mWarp, group), 16 * i + (r % 2) * 8),
                                  ix.add(twoQ, ks + (r / 2) * 8)));
      for (int64_t j = 0; j < tn; ++j)
        for (int64_t r = 0; r < 2; ++r)
          bFrags[j].push_back(
              reg(lb, sharedB, ix.add(ix.addv(nWarp, group), 8 * j), ix.add(twoQ, ks + 8 * r)));
      current = mmaTiles(b, loc, current, aFrags, bFrags, kStep);
    }
    scf::YieldOp::create(b, loc, current);
    b.setInsertionPointAfter(kLoop);
    // No copy is left in flight when the block ends.
    NVVM::CpAsyncWaitGroupOp::create(b, loc, b.getI32IntegerAttr(0));
    storeAndErase(b, loc, op, kLoop.getResults(), blk.at, blk.valid, out, init, epilogue);
    return true;
  }
};

} // namespace

bool mlir::autoglm::gpu_detail::lowerMMA(linalg::GenericOp op, const MMAOptions &options) {
  return MMALowering(options).run(op);
}
