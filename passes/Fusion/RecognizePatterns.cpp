//===- RecognizePatterns.cpp - autoglm-recognize-patterns ----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Exporters spell LayerNorm, GELU, SiLU and HardSwish out in primitive ops;
// these patterns put the core op back. Every intermediate value must have no
// user outside the pattern, and every constant must be the one the formula
// needs (within 1e-4), or nothing is rewritten.
//===----------------------------------------------------------------------===//

#include "../Utils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::autoglm {
#define GEN_PASS_DEF_RECOGNIZEPATTERNS
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

BinaryOp binary(Value v, BinaryKind kind) {
  auto op = v ? v.getDefiningOp<BinaryOp>() : BinaryOp();
  return op && op.getKind() == kind ? op : BinaryOp();
}

UnaryOp unary(Value v, UnaryKind kind) {
  auto op = v ? v.getDefiningOp<UnaryOp>() : UnaryOp();
  return op && op.getKind() == kind ? op : UnaryOp();
}

bool isConst(Value v, double want) {
  auto c = constantScalar(v);
  return c && std::fabs(*c - want) <= 1e-4 * std::max(1.0, std::fabs(want));
}

bool singleUse(Value v) { return v && v.hasOneUse(); }

/// For a commutative op: the operand that is not `known` (or null).
Value other(BinaryOp op, Value known) {
  if (op.getLhs() == known)
    return op.getRhs();
  if (op.getRhs() == known)
    return op.getLhs();
  return {};
}

/// The non-constant operand of a commutative op whose other operand is the
/// constant `c`.
Value withConst(BinaryOp op, double c) {
  if (!op)
    return {};
  if (isConst(op.getRhs(), c))
    return op.getLhs();
  if (isConst(op.getLhs(), c))
    return op.getRhs();
  return {};
}

/// Flattens a tree of multiplications whose inner nodes have one use.
void mulFactors(Value v, SmallVectorImpl<Value> &factors, bool root) {
  auto m = binary(v, BinaryKind::Mul);
  if (m && (root || singleUse(v))) {
    mulFactors(m.getLhs(), factors, false);
    mulFactors(m.getRhs(), factors, false);
    return;
  }
  factors.push_back(v);
}

Value replaceWith(PatternRewriter &rw, Operation *root, UnaryKind kind, Value x,
                  std::optional<double> alpha = std::nullopt,
                  std::optional<double> beta = std::nullopt) {
  auto type = cast<RankedTensorType>(root->getResult(0).getType());
  if (cast<RankedTensorType>(x.getType()) != type)
    return {};
  FloatAttr a = alpha ? rw.getF64FloatAttr(*alpha) : FloatAttr();
  FloatAttr b = beta ? rw.getF64FloatAttr(*beta) : FloatAttr();
  auto op = UnaryOp::create(rw, root->getLoc(), type,
                            UnaryKindAttr::get(rw.getContext(), kind), x, a, b);
  rw.replaceOp(root, op.getResult());
  return op.getResult();
}

/// x^3 as pow(x, 3) or x * x * x.
bool isCube(Value v, Value x) {
  if (auto pow = binary(v, BinaryKind::Pow))
    return pow.getLhs() == x && isConst(pow.getRhs(), 3.0);
  SmallVector<Value> f;
  mulFactors(v, f, true);
  return f.size() == 3 && llvm::all_of(f, [&](Value y) { return y == x; });
}

/// 0.5 * x * (1 + erf(x / sqrt 2)) and 0.5 * x * (1 + tanh(sqrt(2/pi) *
/// (x + 0.044715 x^3))), in any association of the products.
struct RecognizeGelu : CountingPattern<BinaryOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(BinaryOp op, PatternRewriter &rw) const override {
    if (op.getKind() != BinaryKind::Mul)
      return failure();
    SmallVector<Value> f;
    mulFactors(op.getResult(), f, true);
    if (f.size() != 3)
      return failure();
    Value half, onePlus, x;
    for (Value v : f) {
      if (isConst(v, 0.5))
        half = v;
      else if (binary(v, BinaryKind::Add) && singleUse(v) &&
               withConst(binary(v, BinaryKind::Add), 1.0))
        onePlus = v;
      else
        x = v;
    }
    if (!half || !onePlus || !x)
      return failure();
    Value inner = withConst(binary(onePlus, BinaryKind::Add), 1.0);
    if (auto erf = unary(inner, UnaryKind::Erf); erf && singleUse(inner)) {
      Value arg = erf.getInput();
      bool ok = singleUse(arg) &&
                ((binary(arg, BinaryKind::Div) &&
                  binary(arg, BinaryKind::Div).getLhs() == x &&
                  isConst(binary(arg, BinaryKind::Div).getRhs(), std::sqrt(2.0))) ||
                 withConst(binary(arg, BinaryKind::Mul), M_SQRT1_2) == x);
      if (!ok || !replaceWith(rw, op, UnaryKind::Gelu, x))
        return failure();
      ++count;
      return success();
    }
    if (auto tanh = unary(inner, UnaryKind::Tanh); tanh && singleUse(inner)) {
      Value scaled = tanh.getInput();
      Value sum = withConst(binary(scaled, BinaryKind::Mul), std::sqrt(2.0 / M_PI));
      auto add = binary(sum, BinaryKind::Add);
      if (!add || !singleUse(scaled) || !singleUse(sum))
        return failure();
      Value term = other(add, x);
      Value cube = withConst(binary(term, BinaryKind::Mul), 0.044715);
      if (!term || !singleUse(term) || !cube || !singleUse(cube) || !isCube(cube, x) ||
          !replaceWith(rw, op, UnaryKind::GeluTanh, x))
        return failure();
      ++count;
      return success();
    }
    return failure();
  }
};

/// x * sigmoid(x) -> silu;  x * hard_sigmoid(x; 1/6, 1/2) -> hard_swish.
struct RecognizeGatedActivation : CountingPattern<BinaryOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(BinaryOp op, PatternRewriter &rw) const override {
    if (op.getKind() != BinaryKind::Mul)
      return failure();
    for (auto [x, g] : {std::pair{op.getLhs(), op.getRhs()}, {op.getRhs(), op.getLhs()}}) {
      auto gate = g.getDefiningOp<UnaryOp>();
      if (!gate || gate.getInput() != x || !singleUse(g))
        continue;
      if (gate.getKind() == UnaryKind::Sigmoid &&
          replaceWith(rw, op, UnaryKind::Silu, x)) {
        ++count;
        return success();
      }
      if (gate.getKind() == UnaryKind::HardSigmoid &&
          std::fabs(gate.getAlpha()->convertToDouble() - 1.0 / 6.0) < 1e-4 &&
          std::fabs(gate.getBeta()->convertToDouble() - 0.5) < 1e-4 &&
          replaceWith(rw, op, UnaryKind::HardSwish, x)) {
        ++count;
        return success();
      }
    }
    return failure();
  }
};

/// clip(x * a + b, 0, 1) (or with x / c) -> hard_sigmoid(a, b): the
/// expansion some exporters write for HardSigmoid.
struct RecognizeHardSigmoid : CountingPattern<UnaryOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(UnaryOp clip, PatternRewriter &rw) const override {
    if (clip.getKind() != UnaryKind::Clip ||
        clip.getAlpha()->convertToDouble() != 0.0 ||
        clip.getBeta()->convertToDouble() != 1.0 ||
        !isa<FloatType>(clip.getType().getElementType()))
      return failure();
    auto add = binary(clip.getInput(), BinaryKind::Add);
    if (!add || !singleUse(clip.getInput()))
      return failure();
    for (auto [lin, bc] : {std::pair{add.getLhs(), add.getRhs()}, {add.getRhs(), add.getLhs()}}) {
      auto b = constantScalar(bc);
      if (!b || !singleUse(lin))
        continue;
      std::optional<double> a;
      Value x;
      if (auto mul = binary(lin, BinaryKind::Mul)) {
        for (auto [v, c] : {std::pair{mul.getLhs(), mul.getRhs()}, {mul.getRhs(), mul.getLhs()}})
          if (auto k = constantScalar(c); k && !a) {
            a = *k;
            x = v;
          }
      } else if (auto div = binary(lin, BinaryKind::Div)) {
        if (auto k = constantScalar(div.getRhs()); k && *k != 0) {
          a = 1.0 / *k;
          x = div.getLhs();
        }
      }
      if (!a || !replaceWith(rw, clip, UnaryKind::HardSigmoid, x, *a, *b))
        continue;
      ++count;
      return success();
    }
    return failure();
  }
};

/// d = x - mean(x); y = d / sqrt(mean(d^2) + eps) [* gamma] [+ beta] over the
/// trailing axes -> layer_norm.
struct RecognizeLayerNorm : CountingPattern<BinaryOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(BinaryOp div, PatternRewriter &rw) const override {
    if (div.getKind() != BinaryKind::Div)
      return failure();
    auto sub = binary(div.getLhs(), BinaryKind::Sub);
    auto sqrt = unary(div.getRhs(), UnaryKind::Sqrt);
    if (!sub || !sqrt || !singleUse(div.getRhs()))
      return failure();
    Value d = sub.getResult();
    auto mean = sub.getRhs().getDefiningOp<ReduceOp>();
    Value x = sub.getLhs();
    if (!mean || mean.getKind() != ReduceKind::Mean || mean.getInput() != x ||
        !mean.getKeepdims() || !singleUse(sub.getRhs()))
      return failure();
    auto xt = cast<RankedTensorType>(x.getType());
    ArrayRef<int64_t> axes = mean.getAxes();
    int64_t axis = axes.empty() ? -1 : axes.front();
    if (axes.empty() || !llvm::equal(axes, llvm::seq<int64_t>(axis, xt.getRank())))
      return failure();
    // d feeds exactly the variance and the division.
    if (!llvm::all_of(d.getUsers(), [&](Operation *u) {
          return u == div.getOperation() || isa<BinaryOp>(u);
        }) ||
        std::distance(d.getUsers().begin(), d.getUsers().end()) != 2)
      return failure();
    auto addEps = binary(sqrt.getInput(), BinaryKind::Add);
    if (!addEps || !singleUse(sqrt.getInput()))
      return failure();
    auto var = addEps.getLhs().getDefiningOp<ReduceOp>();
    Value epsV = addEps.getRhs();
    if (!var) {
      var = addEps.getRhs().getDefiningOp<ReduceOp>();
      epsV = addEps.getLhs();
    }
    auto eps = constantScalar(epsV);
    if (!var || !eps || var.getKind() != ReduceKind::Mean || var.getAxes() != axes ||
        !var.getKeepdims() || !singleUse(var.getResult()))
      return failure();
    Value sq = var.getInput();
    auto pow = binary(sq, BinaryKind::Pow);
    auto mul = binary(sq, BinaryKind::Mul);
    bool squared = (pow && pow.getLhs() == d && isConst(pow.getRhs(), 2.0)) ||
                   (mul && mul.getLhs() == d && mul.getRhs() == d);
    if (!squared || !singleUse(sq))
      return failure();

    // Optional affine tail: * gamma, + beta (constants of the normalized dims).
    Operation *root = div;
    Value gamma, beta;
    if (div->hasOneUse()) {
      auto m = dyn_cast<BinaryOp>(*div->user_begin());
      Value g = m && m.getKind() == BinaryKind::Mul ? other(m, div.getResult()) : Value();
      if (g && g.getDefiningOp<ConstantOp>()) {
        gamma = g;
        root = m;
        if (m->hasOneUse()) {
          auto a = dyn_cast<BinaryOp>(*m->user_begin());
          Value bb = a && a.getKind() == BinaryKind::Add ? other(a, m.getResult()) : Value();
          if (bb && bb.getDefiningOp<ConstantOp>()) {
            beta = bb;
            root = a;
          }
        }
      }
    }
    auto resTy = cast<RankedTensorType>(root->getResult(0).getType());
    if (resTy != xt || !fitsNormalized(gamma, xt, axis) || !fitsNormalized(beta, xt, axis))
      return failure();
    rw.setInsertionPoint(root);
    if (!gamma) {
      SmallVector<int64_t> shape(xt.getShape().drop_front(axis));
      SmallVector<float> ones(xt.getNumElements() / countBefore(xt, axis), 1.0f);
      gamma = makeF32Constant(rw, root->getLoc(), shape, ones, "layer_norm_scale");
    }
    auto ln = LayerNormOp::create(rw, root->getLoc(), resTy, x, gamma, beta, axis,
                                  llvm::APFloat(*eps));
    rw.replaceOp(root, ln.getResult());
    ++count;
    return success();
  }
  /// A scale/bias that broadcasts onto the normalized (trailing) dims only.
  static bool fitsNormalized(Value v, RankedTensorType x, int64_t axis) {
    if (!v)
      return true;
    auto t = cast<RankedTensorType>(v.getType());
    ArrayRef<int64_t> norm = x.getShape().drop_front(axis);
    if (t.getRank() > (int64_t)norm.size() || t.getElementType() != x.getElementType())
      return false;
    for (auto [a, b] : llvm::zip(t.getShape(), norm.take_back(t.getRank())))
      if (a != b && a != 1)
        return false;
    return true;
  }
  static int64_t countBefore(RankedTensorType t, int64_t axis) {
    int64_t n = 1;
    for (int64_t i = 0; i < axis; ++i)
      n *= t.getDimSize(i);
    return std::max<int64_t>(n, 1);
  }
};

/// matmul(x, transpose(W, [1, 0])) [+ b] with a constant W -> linear(x, W, b):
/// torch exports nn.Linear on 3-D inputs this way.
struct RecognizeLinear : CountingPattern<MatMulOp> {
  using CountingPattern::CountingPattern;
  LogicalResult matchAndRewrite(MatMulOp mm, PatternRewriter &rw) const override {
    auto tr = mm.getRhs().getDefiningOp<TransposeOp>();
    if (!tr || tr.getInput().getType().getRank() != 2 ||
        tr.getPerm() != ArrayRef<int64_t>{1, 0} ||
        !tr.getInput().getDefiningOp<ConstantOp>() ||
        mm.getLhs().getType().getRank() < 2)
      return failure();
    Operation *root = mm;
    Value bias;
    int64_t n = tr.getType().getDimSize(1);
    if (mm->hasOneUse())
      if (auto add = dyn_cast<BinaryOp>(*mm->user_begin());
          add && add.getKind() == BinaryKind::Add) {
        Value b = other(add, mm.getResult());
        auto bt = b ? dyn_cast<RankedTensorType>(b.getType()) : RankedTensorType();
        if (bt && bt.getRank() == 1 && bt.getDimSize(0) == n &&
            b.getDefiningOp<ConstantOp>() && add.getType() == mm.getType()) {
          bias = b;
          root = add;
        }
      }
    rw.setInsertionPoint(root);
    // The linear stands for the three nodes: the matmul names it first (in
    // reports), the transpose's name lets --emit pruned-onnx find the weight.
    Location loc = rw.getFusedLoc({mm.getLoc(), tr.getLoc(), root->getLoc()});
    auto lin = LinearOp::create(rw, loc, mm.getType(), mm.getLhs(), tr.getInput(), bias);
    rw.replaceOp(root, lin.getResult());
    ++count;
    return success();
  }
};

struct RecognizePatternsPass
    : autoglm::impl::RecognizePatternsBase<RecognizePatternsPass> {
  void runOnOperation() override {
    int64_t ln = 0, gelu = 0, act = 0, linear = 0;
    RewritePatternSet patterns(&getContext());
    patterns.add<RecognizeLayerNorm>(&getContext(), ln);
    patterns.add<RecognizeGelu>(&getContext(), gelu);
    patterns.add<RecognizeHardSigmoid>(&getContext(), act);
    patterns.add<RecognizeGatedActivation>(&getContext(), act);
    patterns.add<RecognizeLinear>(&getContext(), linear);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCount(getOperation(), "layer_norm recognized", ln);
    recordCount(getOperation(), "gelu recognized", gelu);
    recordCount(getOperation(), "silu/hard_swish/hard_sigmoid recognized", act);
    recordCount(getOperation(), "linear recognized", linear);
  }
};

} // namespace
