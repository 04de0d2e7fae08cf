//===- Spectral.cpp - ONNX DFT to autoglm ----------------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// DFT as two matmuls with constant cosine / sine matrices (the GEMM kernels
// do the work; an FFT pays off only for long signals): the transformed axis
// is moved last, the real and imaginary parts multiplied by [N, K]
// matrices, and the parts stacked back into the trailing dim of 2.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// [n, k] -> f(2 pi k n / length) as an [rows, cols] constant.
Value trigMatrix(NodeImporter &n, Type elem, int64_t rows, int64_t cols, int64_t length,
                 double (*f)(double)) {
  return n.constant(denseOf(RankedTensorType::get({rows, cols}, elem), [&](int64_t e) {
    int64_t r = e / cols, c = e % cols;
    // Reduce k n mod length first: exact angles for long signals.
    return f(2 * M_PI * (double)((r * c) % length) / (double)length);
  }));
}

LogicalResult importDFT(NodeImporter &n) {
  auto xt = n.inputType(0);
  if (!xt.hasStaticShape() || xt.getRank() < 2)
    return n.error("expects an input of static shape [..., 1 or 2]");
  int64_t rank = xt.getRank(), parts = xt.getDimSize(rank - 1);
  if (parts != 1 && parts != 2)
    return n.error("the last dim must be 1 (real) or 2 (complex), not " + Twine(parts));
  Type elem = xt.getElementType();
  if (!isa<FloatType>(elem))
    return n.error("expects a float input");
  int64_t axis = n.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank - 1)
    return n.error("axis " + Twine(n.attrInt("axis", 1)) +
                   " must name a signal dim (not the trailing real / imaginary dim)");
  bool inverse = n.attrInt("inverse", 0) != 0, onesided = n.attrInt("onesided", 0) != 0;
  if (inverse && onesided)
    return n.error("an inverse one-sided DFT is not defined");
  int64_t N = xt.getDimSize(axis), L = N;
  if (n.hasInput(1)) {
    auto c = n.constInts(1);
    if (failed(c) || c->size() != 1 || (*c)[0] < 1)
      return n.error("dft_length must be a positive constant");
    L = (*c)[0];
  }
  int64_t K = onesided ? L / 2 + 1 : L, used = std::min(N, L);
  // The cosine and sine matrices.
  if (failed(checkConstantSize(n, {2 * used, K}, elem)))
    return failure();
  Emitter e(n);
  // [..., N, parts] with the signal axis next to last.
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank - 1; ++d)
    if (d != axis)
      perm.push_back(d);
  perm.push_back(axis);
  perm.push_back(rank - 1);
  Value x = e.transpose(n.input(0), perm);
  SmallVector<int64_t> lead;
  int64_t rows = 1;
  for (int64_t d = 0; d < rank - 2; ++d) {
    lead.push_back(xt.getDimSize(perm[d]));
    rows *= lead.back();
  }
  if (used < N)
    x = e.slice(x, rank - 2, 0, used);
  auto part = [&](int64_t p) { return e.reshape(e.slice(x, rank - 1, p, 1), {rows, used}); };
  auto mm = [&](Value a, Value b) {
    return e.ready({a, b}) ? e.take(n.make<MatMulOp>(Type(), a, b)) : Value();
  };
  Value cosM = trigMatrix(n, elem, used, K, L, [](double a) { return std::cos(a); });
  Value sinM = trigMatrix(n, elem, used, K, L, [](double a) { return std::sin(a); });
  Value xr = part(0), xi = parts == 2 ? part(1) : Value();
  // forward: (xr + i xi)(cos - i sin); inverse: (xr + i xi)(cos + i sin) / L
  Value rc = mm(xr, cosM), rs = mm(xr, sinM);
  Value yr, yi;
  if (xi) {
    Value ic = mm(xi, cosM), is = mm(xi, sinM);
    yr = inverse ? e.binary(BinaryKind::Sub, rc, is) : e.add(rc, is);
    yi = inverse ? e.add(ic, rs) : e.binary(BinaryKind::Sub, ic, rs);
  } else {
    yr = rc;
    yi = inverse ? rs : e.unary(UnaryKind::Neg, rs);
  }
  if (inverse) {
    yr = e.mul(yr, e.scalar(yr, 1.0 / L));
    yi = e.mul(yi, e.scalar(yi, 1.0 / L));
  }
  SmallVector<int64_t> partShape(lead);
  partShape.append({K, 1});
  Value y = e.concat({e.reshape(yr, partShape), e.reshape(yi, partShape)}, rank - 1);
  SmallVector<int64_t> inv(rank);
  for (int64_t d = 0; d < rank; ++d)
    inv[perm[d]] = d;
  Value out = e.transpose(y, inv);
  if (e.failed())
    return failure();
  n.setOutput(0, out);
  return success();
}

} // namespace

void onnx_import::registerSpectralRules(RuleTable &t) { t["DFT"] = importDFT; }
