//===- KVCache.cpp - attention over the runtime's paged KV cache ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// autoglm.cached_attention: the caches are arguments of `main` the runtime
// allocates once and passes on every call, so they are written in place
// through their buffers. First each row's new keys and values go to the
// positions p_b .. p_b + S - 1 (block table lookup), then every (row, head)
// runs one pass over its own positions with an online softmax (running max,
// sum and weighted values, vectors of the head dim), in an scf.forall the
// CPU backend runs on its threads. For the GPU (static shapes), both
// phases are one thread per element instead: a parallel loop writes each
// new element, and a linalg.generic computes each output element with its
// own online softmax over the row's positions (the dot products are read
// by the 32 lanes of a warp at the same addresses). docs/llm.md.
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

Value cidx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

struct CachedAttentionLowering : StaticLowering<CachedAttentionOp> {
  CachedAttentionLowering(TypeConverter &tc, MLIRContext *ctx, bool perElement)
      : StaticLowering(tc, ctx), perElement(perElement) {}
  bool dynamicExtents(CachedAttentionOp) const override { return true; }
  bool perElement;

  LogicalResult lower(CachedAttentionOp op, Adaptor a,
                      ConversionPatternRewriter &rw) const override {
    if (perElement)
      return lowerPerElement(op, a, rw);
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
    // Positions per run: up to 16, dividing the block size.
    int64_t width = std::gcd(blockSize, (int64_t)16);
    auto runTy = VectorType::get({width}, elem);
    // A full run of 16 and a head dim of whole 16-lane vectors: the run's
    // 16 dot products are folded to 16 lanes each and summed together by a
    // shuffle butterfly (15 adds for all 16), not one horizontal reduction
    // per position.
    constexpr int64_t lanes = 16;
    bool transposed = width == lanes && dim % lanes == 0;
    auto foldToLanes = [&](OpBuilder &b, Location l, Value v) -> Value {
      Value rows =
          vector::ShapeCastOp::create(b, l, VectorType::get({dim / lanes, lanes}, elem), v);
      Value acc = vector::ExtractOp::create(b, l, rows, 0);
      for (int64_t r = 1; r < dim / lanes; ++r)
        acc = arith::AddFOp::create(b, l, acc, vector::ExtractOp::create(b, l, rows, r));
      return acc;
    };
    // out[w] = sum of v[w]'s lanes, for 16 vectors of 16 lanes: each level
    // halves the segment a vector holds per input and doubles the inputs
    // it holds, keeping their order.
    auto sumLanes = [&](OpBuilder &b, Location l, SmallVector<Value> v) -> Value {
      for (int64_t seg = lanes / 2; seg >= 1; seg /= 2) {
        SmallVector<int64_t> lo, hi;
        for (int64_t base = 0; base < 2 * lanes; base += 2 * seg)
          for (int64_t i = 0; i < seg; ++i) {
            lo.push_back(base + i);
            hi.push_back(base + seg + i);
          }
        SmallVector<Value> next;
        for (size_t i = 0; i + 1 < v.size(); i += 2)
          next.push_back(
              arith::AddFOp::create(b, l, vector::ShuffleOp::create(b, l, v[i], v[i + 1], lo),
                                    vector::ShuffleOp::create(b, l, v[i], v[i + 1], hi)));
        v = next;
      }
      return v.front();
    };
    Type idxTy = rw.getIndexType();
    Value zero = arith::ConstantOp::create(rw, loc, rw.getFloatAttr(elem, 0.0));

    // Row b's position t lives in block table[b, t / block_size] (clamped
    // to the pool for reads; writes skip an entry outside it), at
    // t % block_size.
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
          scf::ForOp::create(
              b, l, cidx(b, l, 0), seq, cidx(b, l, 1), ValueRange{},
              [&](OpBuilder &b, Location l, Value s, ValueRange) {
                Value t = arith::AddIOp::create(b, l, p, s);
                auto [blk, off] = slot(b, l, row, t);
                // Nothing where the table names no block of
                // the pool (a padding row's -1).
                Value named = tensor::ExtractOp::create(
                    b, l, table,
                    ValueRange{row, arith::DivUIOp::create(b, l, t, cidx(b, l, blockSize))});
                Value valid = arith::AndIOp::create(
                    b, l,
                    arith::CmpIOp::create(
                        b, l, arith::CmpIPredicate::sge, named,
                        arith::ConstantOp::create(b, l, b.getIntegerAttr(named.getType(), 0))),
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, named,
                                          arith::ConstantOp::create(
                                              b, l, b.getIntegerAttr(named.getType(), numBlocks))));
                scf::IfOp::create(b, l, valid, [&](OpBuilder &b, Location l) {
                  for (int64_t h = 0; h < kvHeads; ++h) {
                    Value hv = cidx(b, l, h), d0 = cidx(b, l, 0);
                    for (auto [src, dst] : {std::pair{k, kc}, std::pair{v, vc}}) {
                      Value x = vector::TransferReadOp::create(b, l, vecTy, src,
                                                               ValueRange{row, hv, s, d0}, zero);
                      vector::TransferWriteOp::create(b, l, x, dst, ValueRange{blk, hv, off, d0});
                    }
                  }
                  scf::YieldOp::create(b, l);
                });
                scf::YieldOp::create(b, l);
              });
          scf::YieldOp::create(b, l);
        });

    // 2. Each (row, kv head): the queries of its `group` heads in one pass
    // over the row's positions (each key and value read once for them), an
    // online softmax per head.
    SmallVector<OpFoldResult> mixed = {batch, rw.getIndexAttr(kvHeads)};
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
      Value row = forall.getInductionVar(0), hk = forall.getInductionVar(1);
      Value h0 = arith::MulIOp::create(b, loc, hk, cidx(b, loc, group));
      Value p = position(b, loc, row);
      Value out = forall.getRegionIterArgs()[0];
      SmallVector<OpFoldResult> offsets = {row, h0, b.getIndexAttr(0), b.getIndexAttr(0)};
      OpFoldResult seqSize =
          resTy.isDynamicDim(2) ? OpFoldResult(seq) : b.getIndexAttr(resTy.getDimSize(2));
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(group), seqSize,
                                         b.getIndexAttr(dim)};
      SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
      auto tileTy = RankedTensorType::get({1, group, resTy.getDimSize(2), dim}, elem);
      Value tile = tensor::ExtractSliceOp::create(b, loc, tileTy, out, offsets, sizes, strides);
      double lowest = std::numeric_limits<float>::lowest();
      Value scale =
          arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, op.getScale().convertToDouble()));
      auto sLoop = scf::ForOp::create(
          b, loc, cidx(b, loc, 0), seq, cidx(b, loc, 1), ValueRange{tile},
          [&](OpBuilder &b, Location l, Value s, ValueRange acc) {
            Value d0 = cidx(b, l, 0);
            SmallVector<Value> qv, start;
            for (int64_t g = 0; g < group; ++g) {
              Value h = arith::AddIOp::create(b, l, h0, cidx(b, l, g));
              qv.push_back(
                  vector::TransferReadOp::create(b, l, vecTy, q, ValueRange{row, h, s, d0}, zero));
            }
            Value n = arith::AddIOp::create(b, l, arith::AddIOp::create(b, l, p, s), cidx(b, l, 1));
            auto splat = [&](OpBuilder &b, Location l, VectorType t, double v) -> Value {
              return arith::ConstantOp::create(b, l,
                                               DenseElementsAttr::get(t, b.getFloatAttr(elem, v)));
            };
            // Running max, sum and weighted values of each head.
            for (int64_t g = 0; g < group; ++g)
              start.push_back(arith::ConstantOp::create(b, l, b.getFloatAttr(elem, lowest)));
            for (int64_t g = 0; g < group; ++g)
              start.push_back(arith::ConstantOp::create(b, l, b.getFloatAttr(elem, 0.0)));
            for (int64_t g = 0; g < group; ++g)
              start.push_back(splat(b, l, vecTy, 0.0));
            // Positions in runs of `width` (within one cache block, so a
            // run's keys are `width` consecutive rows of the block): per
            // head the run's scores as one vector, one max, one vector exp,
            // one rescale of the running sum and values. Lanes past the
            // row's length score `lowest` (weight 0); they read the run's own
            // block.
            Value runs = arith::CeilDivUIOp::create(b, l, n, cidx(b, l, width));
            auto keys = scf::ForOp::create(
                b, l, cidx(b, l, 0), runs, cidx(b, l, 1), start,
                [&](OpBuilder &b, Location l, Value c, ValueRange st) {
                  Value j0 = arith::MulIOp::create(b, l, c, cidx(b, l, width));
                  auto [blk, off] = slot(b, l, row, j0);
                  Value d0 = cidx(b, l, 0);
                  SmallVector<Value> at, scores(group, splat(b, l, runTy, lowest));
                  // Per head and position q * k as `lanes`-wide partial
                  // sums, then all of the run's at once (sumLanes).
                  SmallVector<SmallVector<Value>> partial(group);
                  for (int64_t w = 0; w < width; ++w) {
                    at.push_back(arith::AddIOp::create(b, l, off, cidx(b, l, w)));
                    Value kv = vector::TransferReadOp::create(b, l, vecTy, kc,
                                                              ValueRange{blk, hk, at[w], d0}, zero);
                    for (int64_t g = 0; g < group; ++g) {
                      Value prod = arith::MulFOp::create(b, l, qv[g], kv);
                      if (transposed) {
                        partial[g].push_back(foldToLanes(b, l, prod));
                        continue;
                      }
                      Value dot =
                          vector::ReductionOp::create(b, l, vector::CombiningKind::ADD, prod);
                      scores[g] = vector::InsertOp::create(b, l, dot, scores[g], w);
                    }
                  }
                  if (transposed)
                    for (int64_t g = 0; g < group; ++g)
                      scores[g] = sumLanes(b, l, partial[g]);
                  // Lanes j0 + w < n only.
                  Value lanes = vector::StepOp::create(b, l, VectorType::get({width}, idxTy));
                  Value left = vector::BroadcastOp::create(b, l, VectorType::get({width}, idxTy),
                                                           arith::SubIOp::create(b, l, n, j0));
                  Value live = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, lanes, left);
                  SmallVector<Value> next(3 * group), e(group);
                  for (int64_t g = 0; g < group; ++g) {
                    Value sc = arith::MulFOp::create(
                        b, l, scores[g], vector::BroadcastOp::create(b, l, runTy, scale));
                    sc = arith::SelectOp::create(b, l, live, sc, splat(b, l, runTy, lowest));
                    Value mRun =
                        vector::ReductionOp::create(b, l, vector::CombiningKind::MAXIMUMF, sc);
                    Value mNew = arith::MaximumFOp::create(b, l, st[g], mRun);
                    Value corr =
                        math::ExpOp::create(b, l, arith::SubFOp::create(b, l, st[g], mNew));
                    e[g] = math::ExpOp::create(
                        b, l,
                        arith::SubFOp::create(b, l, sc,
                                              vector::BroadcastOp::create(b, l, runTy, mNew)));
                    e[g] = arith::SelectOp::create(b, l, live, e[g], splat(b, l, runTy, 0.0));
                    next[g] = mNew;
                    next[group + g] = arith::AddFOp::create(
                        b, l, arith::MulFOp::create(b, l, st[group + g], corr),
                        vector::ReductionOp::create(b, l, vector::CombiningKind::ADD, e[g]));
                    next[2 * group + g] = arith::MulFOp::create(
                        b, l, st[2 * group + g], vector::BroadcastOp::create(b, l, vecTy, corr));
                  }
                  for (int64_t w = 0; w < width; ++w) {
                    Value vv = vector::TransferReadOp::create(b, l, vecTy, vc,
                                                              ValueRange{blk, hk, at[w], d0}, zero);
                    for (int64_t g = 0; g < group; ++g) {
                      Value ew = vector::BroadcastOp::create(
                          b, l, vecTy, vector::ExtractOp::create(b, l, e[g], w));
                      next[2 * group + g] =
                          vector::FMAOp::create(b, l, ew, vv, next[2 * group + g]);
                    }
                  }
                  scf::YieldOp::create(b, l, next);
                });
            Value t = acc[0];
            for (int64_t g = 0; g < group; ++g) {
              Value inv = arith::DivFOp::create(
                  b, l, arith::ConstantOp::create(b, l, b.getFloatAttr(elem, 1.0)),
                  keys.getResult(group + g));
              Value o = arith::MulFOp::create(b, l, keys.getResult(2 * group + g),
                                              vector::BroadcastOp::create(b, l, vecTy, inv));
              t = vector::TransferWriteOp::create(b, l, o, t, ValueRange{d0, cidx(b, l, g), s, d0})
                      .getResult();
            }
            scf::YieldOp::create(b, l, t);
          });
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, loc, sLoop.getResult(0), out, offsets, sizes,
                                            strides);
    }
    rw.replaceOp(op, forall.getResult(0));
    return success();
  }

  /// The GPU form: static shapes, one thread per element. A table entry
  /// outside the pool (the runtime's padding rows pass -1) writes nothing.
  LogicalResult lowerPerElement(CachedAttentionOp op, Adaptor a,
                                ConversionPatternRewriter &rw) const {
    Location loc = op.getLoc();
    auto resTy = resultType(op);
    auto cacheTy = cast<RankedTensorType>(a.getKeyCache().getType());
    auto qTy = cast<RankedTensorType>(a.getQuery().getType());
    if (!resTy.hasStaticShape() || !qTy.hasStaticShape())
      return op->emitError("cached attention on the GPU needs static extents (the decoder's "
                           "static entry: max_batch_size x prefill_chunk)");
    Type elem = cacheTy.getElementType();
    int64_t batch = resTy.getDimSize(0), heads = resTy.getDimSize(1), seq = resTy.getDimSize(2);
    int64_t kvHeads = cacheTy.getDimSize(1), numBlocks = cacheTy.getDimSize(0);
    int64_t blockSize = cacheTy.getDimSize(2), dim = cacheTy.getDimSize(3);
    int64_t group = heads / kvHeads;
    auto memTy = MemRefType::get(cacheTy.getShape(), elem);
    Value kc = bufferization::ToBufferOp::create(rw, loc, memTy, a.getKeyCache());
    Value vc = bufferization::ToBufferOp::create(rw, loc, memTy, a.getValueCache());
    Value q = a.getQuery(), k = a.getKey(), v = a.getValue();
    Value pos = a.getPositions(), table = a.getBlockTable();

    // Block and offset of row b's position t; `valid` when the table names
    // a block of the pool.
    struct Slot {
      Value block, offset, valid;
    };
    auto slot = [&](OpBuilder &b, Location l, Value row, Value t) {
      Value bs = cidx(b, l, blockSize);
      Value phys = tensor::ExtractOp::create(b, l, table,
                                             ValueRange{row, arith::DivUIOp::create(b, l, t, bs)});
      phys = arith::IndexCastOp::create(b, l, b.getIndexType(), phys);
      Value valid = arith::AndIOp::create(
          b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, phys, cidx(b, l, 0)),
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, phys, cidx(b, l, numBlocks)));
      phys = arith::MaxSIOp::create(b, l, phys, cidx(b, l, 0));
      phys = arith::MinSIOp::create(b, l, phys, cidx(b, l, numBlocks - 1));
      return Slot{phys, arith::RemUIOp::create(b, l, t, bs), valid};
    };
    auto position = [&](OpBuilder &b, Location l, Value row) -> Value {
      Value p = tensor::ExtractOp::create(b, l, pos, ValueRange{row});
      p = arith::IndexCastOp::create(b, l, b.getIndexType(), p);
      return arith::MaxSIOp::create(b, l, p, cidx(b, l, 0));
    };

    // 1. Each new key and value element to its place in the caches.
    Value c0 = cidx(rw, loc, 0), c1 = cidx(rw, loc, 1);
    scf::ParallelOp::create(
        rw, loc, ValueRange{c0, c0, c0, c0},
        ValueRange{cidx(rw, loc, batch), cidx(rw, loc, seq), cidx(rw, loc, kvHeads),
                   cidx(rw, loc, dim)},
        ValueRange{c1, c1, c1, c1}, [&](OpBuilder &b, Location l, ValueRange iv) {
          Value row = iv[0], s = iv[1], h = iv[2], d = iv[3];
          Slot at = slot(b, l, row, arith::AddIOp::create(b, l, position(b, l, row), s));
          scf::IfOp::create(b, l, at.valid, [&](OpBuilder &b, Location l) {
            for (auto [src, dst] : {std::pair{k, kc}, std::pair{v, vc}}) {
              Value x = tensor::ExtractOp::create(b, l, src, ValueRange{row, h, s, d});
              memref::StoreOp::create(b, l, x, dst, ValueRange{at.block, h, at.offset, d});
            }
            scf::YieldOp::create(b, l);
          });
        });

    // 2. Each output element (b, h, s, d): query s of row b over positions
    // 0 .. p_b + s, online softmax.
    Value init = tensor::EmptyOp::create(rw, loc, resTy.getShape(), elem);
    auto id = rw.getMultiDimIdentityMap(4);
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    double lowest = std::numeric_limits<float>::lowest();
    double scaleValue = op.getScale().convertToDouble();
    auto generic = linalg::GenericOp::create(
        rw, loc, TypeRange{resTy}, ValueRange{}, ValueRange{init}, ArrayRef<AffineMap>{id}, iters,
        [&](OpBuilder &b, Location l, ValueRange) {
          Value row = linalg::IndexOp::create(b, l, 0), h = linalg::IndexOp::create(b, l, 1);
          Value s = linalg::IndexOp::create(b, l, 2), d = linalg::IndexOp::create(b, l, 3);
          Value hk = arith::DivUIOp::create(b, l, h, cidx(b, l, group));
          // The caches are read through flat views made here: a load of
          // the to_buffer result itself folds to a tensor.extract of the
          // cache tensor, which bufferization may read before phase 1's
          // writes land.
          SmallVector<ReassociationIndices> all = {{0, 1, 2, 3}};
          Value kflat = memref::CollapseShapeOp::create(b, l, kc, all);
          Value vflat = memref::CollapseShapeOp::create(b, l, vc, all);
          Value n = arith::AddIOp::create(b, l, arith::AddIOp::create(b, l, position(b, l, row), s),
                                          cidx(b, l, 1));
          auto fconst = [&](double x) {
            return arith::ConstantOp::create(b, l, b.getFloatAttr(elem, x)).getResult();
          };
          Value scale = fconst(scaleValue);
          auto keys = scf::ForOp::create(
              b, l, cidx(b, l, 0), n, cidx(b, l, 1),
              ValueRange{fconst(lowest), fconst(0), fconst(0)},
              [&](OpBuilder &b, Location l, Value j, ValueRange st) {
                Slot at = slot(b, l, row, j);
                // Element (block, hk, offset, 0) of the flattened caches.
                Value base = arith::MulIOp::create(
                    b, l,
                    arith::AddIOp::create(
                        b, l,
                        arith::MulIOp::create(
                            b, l,
                            arith::AddIOp::create(
                                b, l, arith::MulIOp::create(b, l, at.block, cidx(b, l, kvHeads)),
                                hk),
                            cidx(b, l, blockSize)),
                        at.offset),
                    cidx(b, l, dim));
                auto dot = scf::ForOp::create(
                    b, l, cidx(b, l, 0), cidx(b, l, dim), cidx(b, l, 1), ValueRange{fconst(0)},
                    [&](OpBuilder &b, Location l, Value e, ValueRange acc) {
                      Value qe = tensor::ExtractOp::create(b, l, q, ValueRange{row, h, s, e});
                      Value ke = memref::LoadOp::create(
                          b, l, kflat, arith::AddIOp::create(b, l, base, e).getResult());
                      Value sum = math::FmaOp::create(b, l, qe, ke, acc[0]);
                      scf::YieldOp::create(b, l, sum);
                    });
                Value sc = arith::MulFOp::create(b, l, dot.getResult(0), scale);
                Value mNew = arith::MaximumFOp::create(b, l, st[0], sc);
                Value corr = math::ExpOp::create(b, l, arith::SubFOp::create(b, l, st[0], mNew));
                Value e = math::ExpOp::create(b, l, arith::SubFOp::create(b, l, sc, mNew));
                Value lNew = math::FmaOp::create(b, l, st[1], corr, e);
                Value ve = memref::LoadOp::create(b, l, vflat,
                                                  arith::AddIOp::create(b, l, base, d).getResult());
                Value aNew =
                    math::FmaOp::create(b, l, e, ve, arith::MulFOp::create(b, l, st[2], corr));
                scf::YieldOp::create(b, l, ValueRange{mNew, lNew, aNew});
              });
          Value o = arith::DivFOp::create(b, l, keys.getResult(2), keys.getResult(1));
          linalg::YieldOp::create(b, l, o);
        });
    rw.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void lowering::populateKVCachePatterns(TypeConverter &tc, RewritePatternSet &p, bool perElement) {
  p.add<CachedAttentionLowering>(tc, p.getContext(), perElement);
}
