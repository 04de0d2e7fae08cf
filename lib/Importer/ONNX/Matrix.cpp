//===- Matrix.cpp - ONNX Det to autoglm ------------------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Det as Gaussian elimination with partial pivoting, unrolled over the
// (static) matrix size and batched over the leading dims: per column the
// row of largest magnitude is swapped up (a gather, flipping the sign),
// its pivot multiplied into the determinant, and the rows below it
// eliminated.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// Matrices larger than this are refused (the elimination is unrolled).
constexpr int64_t kMaxDetSize = 64;

LogicalResult importDet(NodeImporter &n) {
  auto xt = n.inputType(0);
  int64_t rank = xt ? xt.getRank() : 0;
  if (!xt.hasStaticShape() || rank < 2 || xt.getDimSize(rank - 1) != xt.getDimSize(rank - 2))
    return n.error("expects square matrices [..., M, M] of static shape");
  Type elem = xt.getElementType();
  if (!isa<FloatType>(elem))
    return n.error("expects a float input");
  int64_t M = xt.getDimSize(rank - 1);
  if (M > kMaxDetSize || M < 1)
    return n.error("matrix size " + Twine(M) + " is outside [1, " + Twine(kMaxDetSize) + "]");
  int64_t B = 1;
  SmallVector<int64_t> lead(xt.getShape().drop_back(2));
  for (int64_t d : lead)
    B *= d;
  Emitter e(n);
  Type i64 = n.builder().getI64Type();
  auto cmp = [&](CompareKind k, Value a, Value b) {
    return e.ready({a, b})
               ? e.take(n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), k), a, b))
               : Value();
  };
  SmallVector<int64_t> iota;
  for (int64_t i = 0; i < M; ++i)
    iota.push_back(i);
  Value rowsIota =
      n.constant(DenseElementsAttr::get(RankedTensorType::get({1, M}, i64), ArrayRef(iota)));

  Value a = e.reshape(n.input(0), {B, M, M});
  Value det = n.splat(elem, 1.0, {B, 1});
  for (int64_t k = 0; k < M; ++k) {
    if (k + 1 < M) {
      // The row (at or below k) with the largest |a[., k]|.
      Value col = e.reshape(e.slice(e.slice(a, 2, k, 1), 1, k, M - k), {B, M - k});
      Value p = e.ready({col})
                    ? e.take(n.make<ReduceOp>(
                          RankedTensorType::get({B, 1}, i64),
                          ReduceKindAttr::get(n.context(), ReduceKind::ArgMax),
                          e.unary(UnaryKind::Abs, col), n.builder().getDenseI64ArrayAttr({1}),
                          n.builder().getBoolAttr(true), n.builder().getBoolAttr(false)))
                    : Value();
      Value pk = e.add(p, n.splat(i64, (double)k));
      // Rows k and pk swap: index[i] = i == k ? pk : i == pk ? k : i.
      Value idx =
          e.select(cmp(CompareKind::EQ, rowsIota, n.splat(i64, (double)k)), pk,
                   e.select(cmp(CompareKind::EQ, rowsIota, pk), n.splat(i64, (double)k), rowsIota));
      Value full = e.ready({idx}) ? e.take(n.make<ExpandOp>(RankedTensorType::get({B, M, M}, i64),
                                                            e.reshape(idx, {B, M, 1})))
                                  : Value();
      a = e.ready({a, full})
              ? e.take(n.make<GatherElementsOp>(RankedTensorType::get({B, M, M}, elem), a, full, 1))
              : Value();
      det = e.select(cmp(CompareKind::NE, p, n.splat(i64, 0.0)), e.unary(UnaryKind::Neg, det), det);
    }
    Value pivot = e.reshape(e.slice(e.slice(a, 1, k, 1), 2, k, 1), {B, 1});
    det = e.mul(det, pivot);
    if (k + 1 == M)
      break;
    // rows below: a[i] -= a[i, k] / pivot * a[k] (a zero pivot divides by
    // 1 instead: the determinant is 0 already).
    Value safe =
        e.select(cmp(CompareKind::EQ, pivot, e.scalar(pivot, 0.0)), e.scalar(pivot, 1.0), pivot);
    Value below = e.slice(a, 1, k + 1, M - k - 1);
    Value factor = e.binary(BinaryKind::Div, e.slice(below, 2, k, 1), e.reshape(safe, {B, 1, 1}));
    Value rowK = e.slice(a, 1, k, 1);
    Value updated = e.binary(BinaryKind::Sub, below, e.mul(factor, rowK));
    a = e.concat({e.slice(a, 1, 0, k + 1), updated}, 1);
  }
  Value out = e.reshape(det, lead);
  if (e.failed())
    return failure();
  n.setOutput(0, out);
  return success();
}

} // namespace

void onnx_import::registerMatrixRules(RuleTable &t) { t["Det"] = importDet; }
