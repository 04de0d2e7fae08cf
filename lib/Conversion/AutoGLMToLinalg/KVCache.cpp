//===- KVCache.cpp - attention over the runtime's paged KV cache ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// autoglm.cached_attention: the caches are arguments of `main` the runtime
// allocates once and passes on every call, so they are written in place
// through their buffers. First each row's new keys and values go to the
// positions p_b .. p_b + S - 1 (block table lookup), then every (row, head)
// runs one pass over its own positions with an online softmax (running max,
// sum and weighted values, vectors of the head dim), in an scf.forall the
// CPU backend runs on its threads. docs/llm.md.
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

Value cidx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

struct CachedAttentionLowering : StaticLowering<CachedAttentionOp> {
  using StaticLowering::StaticLowering;
  bool dynamicExtents(CachedAttentionOp) const override { return true; }

  LogicalResult lower(CachedAttentionOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto resTy = resultType(op);
    auto cacheTy = cast<RankedTensorType>(a.getKeyCache().getType());
    Type elem = cacheTy.getElementType();
    int64_t heads = resTy.getDimSize(1), kvHeads = cacheTy.getDimSize(1);
    int64_t numBlocks = cacheTy.getDimSize(0), blockSize = cacheTy.getDimSize(2);
    int64_t dim = cacheTy.getDimSize(3), group = heads / kvHeads;
    auto memTy = MemRefType::get(cacheTy.getShape(), elem);
    Value kc = bufferization::ToBufferOp::create(rw, loc, memTy, a.getKeyCache());
    Value vc = bufferization::ToBufferOp::create(rw, loc, memTy, a.getValueCache());
    Value q = a.getQuery(), k = a.getKey(), v = a.getValue();
    Value pos = a.getPositions(), table = a.getBlockTable();
    Value c0 = cidx(rw, loc, 0), c1 = cidx(rw, loc, 1);
    Value batch = tensor::DimOp::create(rw, loc, q, 0);
    Value seq = tensor::DimOp::create(rw, loc, q, 2);
    auto vecTy = VectorType::get({dim}, elem);
    Value zero = arith::ConstantOp::create(rw, loc, rw.getFloatAttr(elem, 0.0));

    // Row b's position t lives in block table[b, t / block_size] (clamped
    // to the pool: a bad table cannot write outside it), at t % block_size.
    auto slot = [&](OpBuilder &b, Location l, Value row, Value t) -> std::pair<Value, Value> {
      Value bs = cidx(b, l, blockSize);
      Value logical = arith::DivUIOp::create(b, l, t, bs);
      Value phys = tensor::ExtractOp::create(b, l, table, ValueRange{row, logical});
      phys = arith::IndexCastOp::create(b, l, b.getIndexType(), phys);
      phys = arith::MaxSIOp::create(b, l, phys, cidx(b, l, 0));
      phys = arith::MinSIOp::create(b, l, phys, cidx(b, l, numBlocks - 1));
      return {phys, arith::RemUIOp::create(b, l, t, bs)};
    };
    auto position = [&](OpBuilder &b, Location l, Value row) -> Value {
      Value p = tensor::ExtractOp::create(b, l, pos, ValueRange{row});
      p = arith::IndexCastOp::create(b, l, b.getIndexType(), p);
      return arith::MaxSIOp::create(b, l, p, cidx(b, l, 0));
    };

    // 1. The new keys and values into the caches.
    scf::ForOp::create(
        rw, loc, c0, batch, c1, ValueRange{}, [&](OpBuilder &b, Location l, Value row, ValueRange) {
          Value p = position(b, l, row);
          scf::ForOp::create(b, l, cidx(b, l, 0), seq, cidx(b, l, 1), ValueRange{},
                             [&](OpBuilder &b, Location l, Value s, ValueRange) {
                               auto [blk, off] = slot(b, l, row, arith::AddIOp::create(b, l, p, s));
                               for (int64_t h = 0; h < kvHeads; ++h) {
                                 Value hv = cidx(b, l, h), d0 = cidx(b, l, 0);
                                 for (auto [src, dst] : {std::pair{k, kc}, std::pair{v, vc}}) {
                                   Value x = vector::TransferReadOp::create(
                                       b, l, vecTy, src, ValueRange{row, hv, s, d0}, zero);
                                   vector::TransferWriteOp::create(b, l, x, dst,
                                                                   ValueRange{blk, hv, off, d0});
                                 }
                               }
                               scf::YieldOp::create(b, l);
                             });
          scf::YieldOp::create(b, l);
        });

    // 2. Each (row, head): one pass over its positions, online softmax.
    SmallVector<OpFoldResult> mixed = {batch, rw.getIndexAttr(heads)};
    if (!resTy.isDynamicDim(0))
      mixed[0] = rw.getIndexAttr(resTy.getDimSize(0));
    SmallVector<Value> dynSizes;
    if (resTy.isDynamicDim(0))
      dynSizes.push_back(batch);
    if (resTy.isDynamicDim(2))
      dynSizes.push_back(seq);
    Value init = tensor::EmptyOp::create(rw, loc, resTy.getShape(), elem, dynSizes);
    auto forall = scf::ForallOp::create(rw, loc, mixed, ValueRange{init}, std::nullopt);
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPoint(forall.getTerminator());
      OpBuilder &b = rw;
      Value row = forall.getInductionVar(0), h = forall.getInductionVar(1);
      Value hk = arith::DivUIOp::create(b, loc, h, cidx(b, loc, group));
      Value p = position(b, loc, row);
      Value out = forall.getRegionIterArgs()[0];
      SmallVector<OpFoldResult> offsets = {row, h, b.getIndexAttr(0), b.getIndexAttr(0)};
      OpFoldResult seqSize =
          resTy.isDynamicDim(2) ? OpFoldResult(seq) : b.getIndexAttr(resTy.getDimSize(2));
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1), seqSize,
                                         b.getIndexAttr(dim)};
      SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
      auto tileTy = RankedTensorType::get({1, 1, resTy.getDimSize(2), dim}, elem);
      Value tile = tensor::ExtractSliceOp::create(b, loc, tileTy, out, offsets, sizes, strides);
      double lowest = std::numeric_limits<float>::lowest();
      Value scale =
          arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, op.getScale().convertToDouble()));
      auto sLoop = scf::ForOp::create(
          b, loc, cidx(b, loc, 0), seq, cidx(b, loc, 1), ValueRange{tile},
          [&](OpBuilder &b, Location l, Value s, ValueRange acc) {
            Value d0 = cidx(b, l, 0);
            Value qv =
                vector::TransferReadOp::create(b, l, vecTy, q, ValueRange{row, h, s, d0}, zero);
            Value n = arith::AddIOp::create(b, l, arith::AddIOp::create(b, l, p, s), cidx(b, l, 1));
            Value m0 = arith::ConstantOp::create(b, l, b.getFloatAttr(elem, lowest));
            Value z = arith::ConstantOp::create(b, l, b.getFloatAttr(elem, 0.0));
            Value a0 = arith::ConstantOp::create(
                b, l, DenseElementsAttr::get(vecTy, b.getFloatAttr(elem, 0.0)));
            auto keys = scf::ForOp::create(
                b, l, cidx(b, l, 0), n, cidx(b, l, 1), ValueRange{m0, z, a0},
                [&](OpBuilder &b, Location l, Value j, ValueRange st) {
                  auto [blk, off] = slot(b, l, row, j);
                  Value d0 = cidx(b, l, 0);
                  Value kv = vector::TransferReadOp::create(b, l, vecTy, kc,
                                                            ValueRange{blk, hk, off, d0}, zero);
                  Value vv = vector::TransferReadOp::create(b, l, vecTy, vc,
                                                            ValueRange{blk, hk, off, d0}, zero);
                  Value dot = vector::ReductionOp::create(b, l, vector::CombiningKind::ADD,
                                                          arith::MulFOp::create(b, l, qv, kv));
                  Value sc = arith::MulFOp::create(b, l, dot, scale);
                  Value mNew = arith::MaximumFOp::create(b, l, st[0], sc);
                  Value corr = math::ExpOp::create(b, l, arith::SubFOp::create(b, l, st[0], mNew));
                  Value e = math::ExpOp::create(b, l, arith::SubFOp::create(b, l, sc, mNew));
                  Value lNew =
                      arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, st[1], corr), e);
                  Value cv = vector::BroadcastOp::create(b, l, vecTy, corr);
                  Value ev = vector::BroadcastOp::create(b, l, vecTy, e);
                  Value aNew =
                      vector::FMAOp::create(b, l, ev, vv, arith::MulFOp::create(b, l, st[2], cv));
                  scf::YieldOp::create(b, l, ValueRange{mNew, lNew, aNew});
                });
            Value inv = arith::DivFOp::create(
                b, l, arith::ConstantOp::create(b, l, b.getFloatAttr(elem, 1.0)),
                keys.getResult(1));
            Value o = arith::MulFOp::create(b, l, keys.getResult(2),
                                            vector::BroadcastOp::create(b, l, vecTy, inv));
            Value w = vector::TransferWriteOp::create(b, l, o, acc[0], ValueRange{d0, d0, s, d0})
                          .getResult();
            scf::YieldOp::create(b, l, w);
          });
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, loc, sLoop.getResult(0), out, offsets, sizes,
                                            strides);
    }
    rw.replaceOp(op, forall.getResult(0));
    return success();
  }
};

} // namespace

void lowering::populateKVCachePatterns(TypeConverter &tc, RewritePatternSet &p) {
  p.add<CachedAttentionLowering>(tc, p.getContext());
}
