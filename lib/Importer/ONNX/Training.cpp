//===- Training.cpp - ONNX optimizer-update ops to autoglm ----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The ai.onnx.preview.training optimizers (Adagrad, Momentum, Adam): one
// update step of any number of tensors, as elementwise ops following the
// operator text. They are deterministic, so an artifact can apply an
// on-device update step (federated or continual learning) whose gradients
// come from elsewhere.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// R (a float scalar) and T (an int64 scalar) as rank-0 values of X's
/// element type, and the number of optimized tensors: (inputs - 2) / per.
struct Step {
  Value r, t, tPositive;
  int64_t count;
  Type elem;
};

FailureOr<Step> readStep(NodeImporter &n, Emitter &e, int64_t perTensor, unsigned outsPer) {
  int64_t rest = (int64_t)n.numInputs() - 2;
  if (rest < perTensor || rest % perTensor)
    return n.error("expects R, T and " + Twine(perTensor) + " inputs per optimized tensor");
  Step s;
  s.count = rest / perTensor;
  if ((int64_t)n.numOutputs() != s.count * outsPer)
    return n.error("expects " + Twine(outsPer) + " outputs per optimized tensor");
  auto x = n.inputType(2);
  s.elem = x.getElementType();
  if (!isa<FloatType>(s.elem))
    return n.error("the optimized tensors must be float");
  for (unsigned i = 2; i < n.numInputs(); ++i)
    if (n.inputType(i).getElementType() != s.elem)
      return n.error("input " + Twine(i) + " differs in element type from the first tensor");
  auto rt = n.inputType(0), tt = n.inputType(1);
  if (rt.getNumElements() != 1 || tt.getNumElements() != 1 || !tt.getElementType().isInteger(64))
    return n.error("R must be a float scalar and T an int64 scalar");
  Value r = e.reshape(n.input(0), {}), t = e.reshape(n.input(1), {});
  if (!e.ready({r, t}))
    return failure();
  if (rt.getElementType() != s.elem)
    r = e.take(n.make<CastOp>(RankedTensorType::get({}, s.elem), r));
  s.tPositive = e.take(n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::GT),
                                         t, n.splat(tt.getElementType(), 0)));
  s.t = e.take(n.make<CastOp>(RankedTensorType::get({}, s.elem), t));
  s.r = r;
  if (e.failed())
    return failure();
  return s;
}

/// Runs `update` on each optimized tensor's inputs (X, G, then its state
/// tensors) and sends what it returns (X_new, then the new states) to
/// outputs k, count + k, 2 count + k, ...
template <typename F>
LogicalResult eachTensor(NodeImporter &n, Emitter &e, const Step &s, int64_t perTensor, F update) {
  for (int64_t k = 0; k < s.count; ++k) {
    SmallVector<Value> in;
    for (int64_t j = 0; j < perTensor; ++j)
      in.push_back(n.input(2 + j * s.count + k));
    SmallVector<Value> out = update(in);
    if (e.failed())
      return failure();
    for (auto [j, v] : llvm::enumerate(out))
      n.setOutput(j * s.count + k, v);
  }
  return success();
}

/// norm_coefficient * X + G
Value regularized(NodeImporter &n, Emitter &e, Value x, Value g) {
  double c = n.attrFloat("norm_coefficient", 0.0);
  return c == 0.0 ? g : e.add(e.mul(x, e.scalar(x, c)), g);
}

LogicalResult importAdagrad(NodeImporter &n) {
  Emitter e(n);
  auto s = readStep(n, e, 3, 2);
  if (failed(s))
    return failure();
  double decay = n.attrFloat("decay_factor", 0.0), eps = n.attrFloat("epsilon", 0.0);
  // r = R / (1 + T * decay_factor)
  Value r = e.binary(BinaryKind::Div, s->r,
                     e.add(e.scalar(s->r, 1.0), e.mul(s->t, e.scalar(s->r, decay))));
  return eachTensor(n, e, *s, 3, [&](ArrayRef<Value> in) -> SmallVector<Value> {
    Value x = in[0], gr = regularized(n, e, x, in[1]);
    Value hNew = e.add(in[2], e.mul(gr, gr));
    Value adaptive = e.add(e.unary(UnaryKind::Sqrt, hNew), e.scalar(x, eps));
    Value xNew = e.binary(BinaryKind::Sub, x, e.binary(BinaryKind::Div, e.mul(r, gr), adaptive));
    return {xNew, hNew};
  });
}

LogicalResult importMomentum(NodeImporter &n) {
  Emitter e(n);
  auto s = readStep(n, e, 3, 2);
  if (failed(s))
    return failure();
  double alpha = n.attrFloat("alpha", 0.0), beta = n.attrFloat("beta", 0.0);
  std::string mode = n.attrString("mode", "standard");
  if (mode != "standard" && mode != "nesterov")
    return n.error("mode '" + mode + "' is not standard or nesterov");
  // beta applies from the second step on (T > 0); the first takes 1.
  Value betaT = e.select(s->tPositive, e.scalar(s->r, beta), e.scalar(s->r, 1.0));
  return eachTensor(n, e, *s, 3, [&](ArrayRef<Value> in) -> SmallVector<Value> {
    Value x = in[0], v = in[2], gr = regularized(n, e, x, in[1]);
    Value vNew = e.add(e.mul(v, e.scalar(v, alpha)), e.mul(gr, betaT));
    Value dir = mode == "standard" ? vNew : e.add(gr, e.mul(vNew, e.scalar(v, alpha)));
    return {e.binary(BinaryKind::Sub, x, e.mul(s->r, dir)), vNew};
  });
}

LogicalResult importAdam(NodeImporter &n) {
  Emitter e(n);
  auto s = readStep(n, e, 4, 3);
  if (failed(s))
    return failure();
  double alpha = n.attrFloat("alpha", 0.9), beta = n.attrFloat("beta", 0.999),
         eps = n.attrFloat("epsilon", 1e-6), post = n.attrFloat("norm_coefficient_post", 0.0);
  // R_adjusted = T > 0 ? R * sqrt(1 - beta^T) / (1 - alpha^T) : R
  Value one = e.scalar(s->r, 1.0);
  Value bt = e.binary(BinaryKind::Pow, e.scalar(s->r, beta), s->t);
  Value at = e.binary(BinaryKind::Pow, e.scalar(s->r, alpha), s->t);
  Value adj = e.binary(BinaryKind::Div,
                       e.mul(s->r, e.unary(UnaryKind::Sqrt, e.binary(BinaryKind::Sub, one, bt))),
                       e.binary(BinaryKind::Sub, one, at));
  Value r = e.select(s->tPositive, adj, s->r);
  return eachTensor(n, e, *s, 4, [&](ArrayRef<Value> in) -> SmallVector<Value> {
    Value x = in[0], v = in[2], h = in[3], gr = regularized(n, e, x, in[1]);
    Value vNew = e.add(e.mul(v, e.scalar(v, alpha)), e.mul(gr, e.scalar(v, 1 - alpha)));
    Value hNew = e.add(e.mul(h, e.scalar(h, beta)), e.mul(e.mul(gr, gr), e.scalar(h, 1 - beta)));
    Value hSqrt = e.add(e.unary(UnaryKind::Sqrt, hNew), e.scalar(h, eps));
    Value xNew = e.binary(BinaryKind::Sub, x, e.mul(r, e.binary(BinaryKind::Div, vNew, hSqrt)));
    if (post != 0.0)
      xNew = e.mul(xNew, e.scalar(x, 1 - post));
    return {xNew, vNew, hNew};
  });
}

} // namespace

void onnx_import::registerTrainingRules(RuleTable &t) {
  t["ai.onnx.preview.training.Adagrad"] = importAdagrad;
  t["ai.onnx.preview.training.Momentum"] = importMomentum;
  t["ai.onnx.preview.training.Adam"] = importAdam;
}
