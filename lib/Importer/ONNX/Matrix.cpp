//===- Matrix.cpp - ONNX Einsum and Det to autoglm --------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Einsum as sums, transposes and batched matmuls (below). Det as Gaussian elimination with partial
// pivoting, unrolled over the (static) matrix size and batched over the leading dims: per column
// the row of largest magnitude is swapped up (a gather, flipping the sign), its pivot multiplied
// into the determinant, and the rows below it eliminated.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "llvm/ADT/StringExtras.h"

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

/// Replaces each operand's "..." (and the output's) by letters the
/// equation does not use, `ell` (one per dim of the longest ellipsis; an
/// operand's ellipsis takes the last ones), and collects the operands,
/// expanding an ellipsis dim of extent 1 where another operand's is larger.
LogicalResult expandEllipses(NodeImporter &n, const std::string &eq,
                             SmallVectorImpl<std::string> &terms, std::string &outSpec,
                             SmallVectorImpl<Value> &ins, std::string &ell) {
  std::string pool;
  for (char c = 'A'; c <= 'z'; ++c)
    if (llvm::isAlpha(c) && eq.find(c) == std::string::npos)
      pool.push_back(c);
  SmallVector<int64_t> dots;
  int64_t most = 0;
  for (auto [i, t] : llvm::enumerate(terms)) {
    if (!n.hasInput(i))
      return n.error("input " + std::to_string(i) + " is absent");
    RankedTensorType ty = n.inputType(i);
    if (!ty || !ty.hasStaticShape())
      return n.error("input " + std::to_string(i) + " needs a static shape");
    size_t at = t.find("...");
    int64_t k = 0;
    if (at != std::string::npos) {
      if (t.find('.', at + 3) != std::string::npos)
        return n.error("operand " + std::to_string(i) + " '" + t + "' has more than one ellipsis");
      k = ty.getRank() - (int64_t)(t.size() - 3);
      if (k < 0)
        return n.error("operand " + std::to_string(i) + " '" + t + "' has more subscripts than " +
                       "its rank " + std::to_string(ty.getRank()));
    } else if (t.find('.') != std::string::npos) {
      return n.error("bad ellipsis in '" + t + "'");
    }
    dots.push_back(k);
    most = std::max(most, k);
  }
  if (most > (int64_t)pool.size())
    return n.error("the ellipsis has more dims than there are free letters");
  ell = pool.substr(0, most);
  // The broadcast extent of each ellipsis letter.
  SmallVector<int64_t> extent(most, 1);
  for (auto [i, t] : llvm::enumerate(terms)) {
    auto shape = n.inputType(i).getShape();
    size_t at = t.find("...");
    for (int64_t j = 0; j < dots[i]; ++j) {
      int64_t e = shape[at + j], &have = extent[most - dots[i] + j];
      if (e != 1 && have != 1 && e != have)
        return n.error("the ellipsis dims of operand " + std::to_string(i) +
                       " do not broadcast with the others'");
      have = std::max(have, e);
    }
  }
  for (auto [i, t] : llvm::enumerate(terms)) {
    Value v = n.input(i);
    size_t at = t.find("...");
    if (at != std::string::npos) {
      auto ty = n.inputType(i);
      SmallVector<int64_t> shape(ty.getShape());
      for (int64_t j = 0; j < dots[i]; ++j)
        shape[at + j] = extent[most - dots[i] + j];
      if (shape != SmallVector<int64_t>(ty.getShape())) {
        auto x = n.make<ExpandOp>(RankedTensorType::get(shape, ty.getElementType()), v);
        if (failed(x))
          return failure();
        v = *x;
      }
      t.replace(at, 3, ell.substr(most - dots[i]));
    }
    ins.push_back(v);
  }
  if (size_t at = outSpec.find("..."); at != std::string::npos)
    outSpec.replace(at, 3, ell);
  return success();
}

/// A letter twice in one operand ('ii'): the diagonal, as the operand
/// times an identity mask over the two dims, summed over the second.
LogicalResult takeDiagonals(NodeImporter &n, SmallVectorImpl<std::string> &terms,
                            SmallVectorImpl<Value> &ins) {
  for (auto [t, v] : llvm::zip(terms, ins)) {
    for (size_t d2 = 0; d2 < t.size(); ++d2) {
      size_t d1 = t.find(t[d2]);
      if (d1 == d2)
        continue;
      auto ty = cast<RankedTensorType>(v.getType());
      int64_t e = ty.getDimSize(d1);
      if (ty.getDimSize(d2) != e)
        return n.error(std::string("subscript '") + t[d2] + "' has extents " + std::to_string(e) +
                       " and " + std::to_string(ty.getDimSize(d2)));
      SmallVector<int64_t> maskShape(ty.getRank(), 1);
      maskShape[d1] = maskShape[d2] = e;
      if (failed(checkConstantSize(n, maskShape, ty.getElementType())))
        return failure();
      auto mt = RankedTensorType::get(maskShape, ty.getElementType());
      Value mask = n.constant(denseOf(mt, [&](int64_t i) { return (double)(i / e % e == i % e); }));
      // The flat index of [.., a at d1, .., b at d2, ..] over a mask whose
      // other extents are 1 is a * e + b: diagonal where the two agree.
      auto prod = makeBinary(n, BinaryKind::Mul, v, mask);
      if (failed(prod))
        return failure();
      auto sum = n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), ReduceKind::Sum), *prod,
                                  n.builder().getDenseI64ArrayAttr({(int64_t)d2}),
                                  n.builder().getBoolAttr(false), n.builder().getBoolAttr(false));
      if (failed(sum))
        return failure();
      v = *sum;
      t.erase(d2, 1);
      --d2;
    }
  }
  return success();
}

/// Einsum as the core's ops. An ellipsis becomes letters of its own (the
/// operands' ellipsis dims aligned from the right and broadcast where one
/// is 1, as numpy does); a letter repeated in one operand takes the
/// diagonal (a multiply by an identity mask and a sum). Then each operand's
/// letters that nothing after it (a later operand, the output) names are
/// summed out; operands fold left to right, a pair as one batched matmul
/// [batch, left, k] x [batch, k, right] between transposes and reshapes; the
/// result is transposed to the output's order.
LogicalResult importEinsum(NodeImporter &n) {
  std::string eq;
  for (char c : n.attrString("equation", ""))
    if (c != ' ')
      eq.push_back(c);
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  SmallVector<std::string> terms;
  for (llvm::StringRef t : llvm::split(lhs, ','))
    terms.push_back(t.str());
  if (terms.size() != n.numInputs())
    return n.error("the equation '" + eq + "' names " + std::to_string(terms.size()) +
                   " operands, the node has " + std::to_string(n.numInputs()));
  std::string outSpec = arrow == std::string::npos ? "" : eq.substr(arrow + 2);
  SmallVector<Value> ins;
  std::string ell;
  if (failed(expandEllipses(n, eq, terms, outSpec, ins, ell)))
    return failure();
  if (arrow == std::string::npos) {
    // Implicit output: the ellipsis, then the letters named once (a
    // diagonal's letter is named twice), in alphabetical order.
    std::string once;
    for (char c = 'A'; c <= 'z'; ++c) {
      if (!llvm::isAlpha(c) || ell.find(c) != std::string::npos)
        continue;
      int64_t k = 0;
      for (const std::string &t : terms)
        k += llvm::count(t, c);
      if (k == 1)
        once.push_back(c);
    }
    llvm::sort(once);
    outSpec = ell + once;
  }
  if (failed(takeDiagonals(n, terms, ins)))
    return failure();
  llvm::DenseMap<char, int64_t> extent;
  for (auto [i, t] : llvm::enumerate(terms)) {
    auto ty = cast<RankedTensorType>(ins[i].getType());
    if ((int64_t)t.size() != ty.getRank())
      return n.error("operand " + std::to_string(i) + " '" + t + "' has " +
                     std::to_string(t.size()) + " subscripts for rank " +
                     std::to_string(ty.getRank()));
    for (auto [d, c] : llvm::enumerate(t)) {
      if (!llvm::isAlpha(c))
        return n.error(std::string("bad subscript '") + c + "' in '" + eq + "'");
      int64_t e = ty.getDimSize(d);
      auto [it, fresh] = extent.try_emplace(c, e);
      if (!fresh && it->second != e)
        return n.error(std::string("subscript '") + c + "' has extents " +
                       std::to_string(it->second) + " and " + std::to_string(e));
    }
  }
  std::string out = outSpec;
  for (auto [d, c] : llvm::enumerate(out))
    if (!extent.count(c) || out.find(c) != d)
      return n.error(std::string("output subscript '") + c + "' is " +
                     (extent.count(c) ? "repeated" : "not an operand's"));
  Type elem = cast<RankedTensorType>(ins[0].getType()).getElementType();
  auto shapeOf = [&](llvm::StringRef letters) {
    SmallVector<int64_t> shape;
    for (char c : letters)
      shape.push_back(extent[c]);
    return shape;
  };
  auto reshape = [&](Value v, ArrayRef<int64_t> shape) -> FailureOr<Value> {
    if (cast<RankedTensorType>(v.getType()).getShape() == shape)
      return v;
    return n.make<ReshapeOp>(RankedTensorType::get(shape, elem), v, Value());
  };
  // `v` (letters `have`) with its letters in the order `want`.
  auto permute = [&](Value v, llvm::StringRef have, llvm::StringRef want) -> FailureOr<Value> {
    SmallVector<int64_t> perm;
    for (char c : want)
      perm.push_back(have.find(c));
    if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
      return v;
    return n.make<TransposeOp>(Type(), v, perm);
  };
  // Sums out the letters of `t` not in `keep`.
  auto sumOut = [&](Value &v, std::string &t, llvm::StringRef keep) -> LogicalResult {
    SmallVector<int64_t> axes;
    std::string left;
    for (auto [d, c] : llvm::enumerate(t))
      (keep.contains(c) ? left.push_back(c) : axes.push_back(d));
    if (axes.empty())
      return success();
    auto r = n.make<ReduceOp>(Type(), ReduceKindAttr::get(n.context(), ReduceKind::Sum), v,
                              n.builder().getDenseI64ArrayAttr(axes),
                              n.builder().getBoolAttr(false), n.builder().getBoolAttr(false));
    if (failed(r))
      return failure();
    v = *r;
    t = left;
    return success();
  };
  // The letters named after operand i (later operands, the output).
  auto after = [&](size_t i) {
    std::string later = out;
    for (size_t j = i + 1; j < terms.size(); ++j)
      later += terms[j];
    return later;
  };
  Value acc = ins[0];
  std::string at = terms[0];
  if (failed(sumOut(acc, at, after(0) + (terms.size() > 1 ? terms[1] : ""))))
    return failure();
  for (size_t i = 1; i < terms.size(); ++i) {
    Value b = ins[i];
    std::string bt = terms[i];
    std::string later = after(i);
    if (failed(sumOut(acc, at, later + bt)) || failed(sumOut(b, bt, later + at)))
      return failure();
    std::string batch, left, right, k;
    for (char c : at)
      (bt.find(c) == std::string::npos      ? left
       : llvm::StringRef(later).contains(c) ? batch
                                            : k)
          .push_back(c);
    for (char c : bt)
      if (at.find(c) == std::string::npos)
        right.push_back(c);
    auto prod = [&](llvm::StringRef letters) {
      int64_t p = 1;
      for (char c : letters)
        p *= extent[c];
      return p;
    };
    int64_t pb = prod(batch), pl = prod(left), pk = prod(k), pr = prod(right);
    auto a3 = permute(acc, at, batch + left + k);
    if (failed(a3) || failed(a3 = reshape(*a3, {pb, pl, pk})))
      return failure();
    auto b3 = permute(b, bt, batch + k + right);
    if (failed(b3) || failed(b3 = reshape(*b3, {pb, pk, pr})))
      return failure();
    auto mm = n.make<MatMulOp>(Type(), *a3, *b3);
    if (failed(mm))
      return failure();
    at = batch + left + right;
    auto r = reshape(*mm, shapeOf(at));
    if (failed(r))
      return failure();
    acc = *r;
  }
  if (failed(sumOut(acc, at, out)))
    return failure();
  return done(n, permute(acc, at, out));
}

} // namespace

void onnx_import::registerMatrixRules(RuleTable &t) {
  t["Det"] = importDet;
  t["Einsum"] = importEinsum;
}
