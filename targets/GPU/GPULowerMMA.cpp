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
#include "mlir/Dialect/SCF/Utils/Utils.h"

using namespace mlir;
using namespace mlir::autoglm::gpu_detail;

namespace {

class MMALowering : MMAOptions {
public:
  explicit MMALowering(const MMAOptions &o) : MMAOptions(o) {}

  bool run(linalg::GenericOp op) {
    std::optional<MMAPlan> plan = planMMA(op);
    if (!plan)
      return false;
    sharedMMA(op) ? lowerMMAShared(op, *plan) : lowerGlobal(op, *plan);
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
    auto add = [&](Value v, int64_t c) {
      return c == 0 ? v : arith::AddIOp::create(b, loc, v, index(c)).getResult();
    };
    auto andi = [&](Value x, Value y) { return andIf(b, loc, x, y); };
    auto position = [&](Value flat, ArrayRef<unsigned> dims, int64_t total, bool maybePast) {
      return mlir::autoglm::gpu_detail::position(b, loc, ranges, flat, dims, total, maybePast);
    };
    bool mPast = plan.mTotal % (16 * tm) != 0, nPast = plan.nTotal % (8 * tn) != 0;
    bool kPast = kPadded != plan.kTotal;
    // Rows g and g + 8 of each M tile; columns g (B) and 2q, 2q + 1 (C) of
    // each N tile.
    SmallVector<Pos> rows, bCols, cCols;
    for (int64_t i = 0; i < tm; ++i)
      for (int64_t h : {0, 8})
        rows.push_back(position(add(arith::AddIOp::create(b, loc, mBase, group), 16 * i + h),
                                plan.m, plan.mTotal, mPast));
    Value twoQ = arith::MulIOp::create(b, loc, quad, index(2));
    for (int64_t j = 0; j < tn; ++j) {
      bCols.push_back(position(add(arith::AddIOp::create(b, loc, nBase, group), 8 * j), plan.n,
                               plan.nTotal, nPast));
      for (int64_t h : {0, 1})
        cCols.push_back(position(add(arith::AddIOp::create(b, loc, nBase, twoQ), 8 * j + h), plan.n,
                                 plan.nTotal, nPast));
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
      ks.push_back(position(add(kq, off), plan.k, plan.kTotal, kPast));
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    Type i32 = b.getI32Type(), i16 = b.getI16Type();
    auto load = [&](OpOperand *in, const Pos &p, const Pos &k) {
      place(p);
      place(k);
      Value v = memref::LoadOp::create(b, loc, in->get(),
                                       indices(b, loc, op.getMatchingIndexingMap(in), ivs));
      if (Value ok = andi(p.valid, k.valid))
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

  /// Whether the mma contraction `op` stages its operands in shared memory:
  /// bf16 / fp16 only; with `auto`, when both inputs are read through plain
  /// dims (matmuls: measured faster on BERT and ViT on an H100), not a
  /// convolution's windows (measured slower on resnet18 and mobilenet_v2).
  bool sharedMMA(linalg::GenericOp op) {
    if (mma == "tf32" || mmaShared == "off")
      return false;
    if (mmaShared == "on")
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
    constexpr int64_t kWarpsM = 2, kWarpsN = 2, kThreads = 32 * kWarpsM * kWarpsN;
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
    auto [loop, lvs] =
        blockLoop(b, loc, loopExtents(plan, ranges, mTiles, nTiles, kThreads), kThreads);
    (void)loop;
    Value c0 = index(0);
    unsigned nb = plan.batch.size();
    Value thread = lvs[nb + 2];
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
    Value warp = arith::DivUIOp::create(b, loc, thread, index(32));
    Value lane = arith::RemUIOp::create(b, loc, thread, index(32));
    Value warpM = arith::DivUIOp::create(b, loc, warp, index(kWarpsN));
    Value warpN = arith::RemUIOp::create(b, loc, warp, index(kWarpsN));
    Value group = arith::DivUIOp::create(b, loc, lane, index(4));
    Value quad = arith::RemUIOp::create(b, loc, lane, index(4));
    Value mBlock = arith::MulIOp::create(b, loc, lvs[nb], index(bm));
    Value nBlock = arith::MulIOp::create(b, loc, lvs[nb + 1], index(bn));
    // The warp's first row and column within the block's tile.
    Value mWarp = arith::MulIOp::create(b, loc, warpM, index(16 * tm));
    Value nWarp = arith::MulIOp::create(b, loc, warpN, index(8 * tn));
    auto add = [&](Value v, int64_t c) {
      return c == 0 ? v : arith::AddIOp::create(b, loc, v, index(c)).getResult();
    };
    auto addv = [&](Value x, Value y) { return arith::AddIOp::create(b, loc, x, y).getResult(); };
    auto andi = [&](Value x, Value y) { return andIf(b, loc, x, y); };
    auto position = [&](Value flat, ArrayRef<unsigned> dims, int64_t total, bool maybePast) {
      return mlir::autoglm::gpu_detail::position(b, loc, ranges, flat, dims, total, maybePast);
    };
    bool mPast = plan.mTotal % bm != 0, nPast = plan.nTotal % bn != 0;
    bool kPast = kPadded != plan.kTotal;
    SmallVector<Value> ivs = batchIvs(op, plan, lvs, c0);
    auto place = [&](const Pos &p) { placeAt(ivs, p); };
    // The accumulators' output points (as in lowerGlobal).
    Value mWarpAbs = addv(mBlock, mWarp), nWarpAbs = addv(nBlock, nWarp);
    Value twoQ = arith::MulIOp::create(b, loc, quad, index(2));
    SmallVector<Pos> rows, cCols;
    for (int64_t i = 0; i < tm; ++i)
      for (int64_t h : {0, 8})
        rows.push_back(
            position(add(addv(mWarpAbs, group), 16 * i + h), plan.m, plan.mTotal, mPast));
    for (int64_t j = 0; j < tn; ++j)
      for (int64_t h : {0, 1})
        cCols.push_back(position(add(addv(nWarpAbs, twoQ), 8 * j + h), plan.n, plan.nTotal, nPast));
    SmallVector<SmallVector<Value>> at;
    SmallVector<Value> valid, accs;
    startAccumulators(b, loc, op, rows, cCols, tm, tn, ivs, out, init, at, valid, accs);
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
        Value p = add(thread, i * kThreads);
        Pair q;
        if (rowsFirst) {
          q.row = arith::RemUIOp::create(b, loc, p, index(tileRows));
          q.kk = arith::DivUIOp::create(b, loc, p, index(tileRows));
        } else {
          q.row = arith::DivUIOp::create(b, loc, p, index(kSlice / 2));
          q.kk = arith::RemUIOp::create(b, loc, p, index(kSlice / 2));
        }
        q.rp = position(addv(base, q.row), dims, total, past);
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
          Value kAt = addv(k0, arith::MulIOp::create(b, loc, q.kk, index(2)));
          for (int64_t h : {0, 1}) {
            Pos kp = position(add(kAt, h), plan.k, plan.kTotal, kPast);
            place(q.rp);
            place(kp);
            Value v = memref::LoadOp::create(
                b, loc, o->in->get(), indices(b, loc, op.getMatchingIndexingMap(o->in), ivs));
            if (Value ok = andi(q.rp.valid, kp.valid))
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
    auto kLoop = scf::ForOp::create(b, loc, c0, index(kPadded), index(kSlice), accs);
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
      Value kNext = arith::MinUIOp::create(b, loc, add(k0, kSlice), index(kPadded - kSlice));
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
          Value row = add(addv(mWarp, group), 16 * i + (r % 2) * 8);
          Value word = add(quad, ks / 2 + (r / 2) * 4);
          aFrags[i].push_back(memref::LoadOp::create(b, loc, sharedA, sharedAt(buf, row, word)));
        }
      for (int64_t j = 0; j < tn; ++j)
        for (int64_t r = 0; r < 2; ++r) {
          Value col = add(addv(nWarp, group), 8 * j);
          Value word = add(quad, ks / 2 + 4 * r);
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
    storeAndErase(b, loc, op, kLoop.getResults(), at, valid, out, init, epilogue);
  }
};

} // namespace

bool mlir::autoglm::gpu_detail::lowerMMA(linalg::GenericOp op, const MMAOptions &options) {
  return MMALowering(options).run(op);
}
