//===- Recurrent.cpp - ONNX LSTM / GRU / RNN to autoglm -------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The recurrent ops of ONNX, all directions, layouts, initial states,
// sequence lengths, peepholes, clip, input_forget and every activation the
// spec lists. The sequence length must be known at compile time: the time
// loop is unrolled. Each direction's input projection for all steps is one
// linear ([seq * batch, input] x Wᵀ), so the contraction kernels see one
// large GEMM; every step adds one [batch, hidden] x Rᵀ linear and the gate
// arithmetic, which the elementwise fusion turns into one loop nest. See
// docs/conformance.md ("Recurrent ops").
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

/// Steps past this many are refused (the unrolled IR grows with them).
constexpr int64_t kMaxSteps = 4096;

/// One activation of the `activations` attribute with its parameters.
struct Activation {
  std::string name; // lower case
  std::optional<double> alpha, beta;
};

Value apply(Emitter &e, const Activation &a, Value x) {
  const std::string &f = a.name;
  if (f == "sigmoid")
    return e.unary(UnaryKind::Sigmoid, x);
  if (f == "tanh")
    return e.unary(UnaryKind::Tanh, x);
  if (f == "relu")
    return e.unary(UnaryKind::Relu, x);
  if (f == "softsign")
    return e.unary(UnaryKind::Softsign, x);
  if (f == "softplus")
    return e.unary(UnaryKind::Softplus, x);
  if (f == "leakyrelu")
    return e.unary(UnaryKind::LeakyRelu, x, a.alpha.value_or(0.01));
  if (f == "thresholdedrelu")
    return e.unary(UnaryKind::ThresholdedRelu, x, a.alpha.value_or(1.0));
  if (f == "hardsigmoid")
    return e.unary(UnaryKind::HardSigmoid, x, a.alpha.value_or(0.2), a.beta.value_or(0.5));
  if (f == "elu")
    return e.unary(UnaryKind::Elu, x, a.alpha.value_or(1.0));
  if (f == "affine")
    return e.add(e.mul(x, e.scalar(x, a.alpha.value_or(1.0))), e.scalar(x, a.beta.value_or(0.0)));
  // scaledtanh (checked when the attribute was read)
  return e.mul(e.unary(UnaryKind::Tanh, e.mul(x, e.scalar(x, a.beta.value_or(1.0)))),
               e.scalar(x, a.alpha.value_or(1.0)));
}

bool takesAlpha(StringRef f) {
  return f == "leakyrelu" || f == "thresholdedrelu" || f == "hardsigmoid" || f == "elu" ||
         f == "affine" || f == "scaledtanh";
}
bool takesBeta(StringRef f) { return f == "hardsigmoid" || f == "affine" || f == "scaledtanh"; }

enum class Cell { LSTM, GRU, RNN };

/// What every recurrent op shares: shapes, directions, activations.
struct Recurrence {
  Cell cell;
  int64_t gates, hidden, seq, batch, input, dirs;
  bool reverseOnly, batchFirst;
  std::vector<Activation> acts; // gates-per-direction activations, per direction
  std::optional<double> clip;
  Type elem;
};

FailureOr<Recurrence> readRecurrence(NodeImporter &n, Cell cell) {
  Recurrence r;
  r.cell = cell;
  r.gates = cell == Cell::LSTM ? 4 : cell == Cell::GRU ? 3 : 1;
  int64_t perDir = cell == Cell::LSTM ? 3 : cell == Cell::GRU ? 2 : 1;
  auto x = n.inputType(0);
  if (!x || x.getRank() != 3 || !x.hasStaticShape())
    return n.error("X must be a 3-D tensor of static shape (the time loop is unrolled; fix open "
                   "extents with --dim NAME=N or --input-shape)");
  if (!isa<FloatType>(x.getElementType()))
    return n.error("X must be a float tensor");
  r.elem = x.getElementType();
  r.batchFirst = n.attrInt("layout", 0) != 0;
  r.seq = x.getDimSize(r.batchFirst ? 1 : 0);
  r.batch = x.getDimSize(r.batchFirst ? 0 : 1);
  r.input = x.getDimSize(2);
  if (r.seq > kMaxSteps)
    return n.error("sequence length " + Twine(r.seq) + " is over " + Twine(kMaxSteps) +
                   ", the most steps the unrolled loop takes");
  std::string dir = n.attrString("direction", "forward");
  if (dir != "forward" && dir != "reverse" && dir != "bidirectional")
    return n.error("direction '" + dir + "' is not forward, reverse or bidirectional");
  r.dirs = dir == "bidirectional" ? 2 : 1;
  r.reverseOnly = dir == "reverse";
  auto w = n.inputType(1), rr = n.inputType(2);
  if (!w || !rr || !w.hasStaticShape() || !rr.hasStaticShape() || w.getRank() != 3 ||
      rr.getRank() != 3)
    return n.error("W and R must be 3-D tensors of static shape");
  r.hidden = n.attrInt("hidden_size", rr.getDimSize(2));
  if (r.hidden <= 0)
    return n.error("hidden_size must be positive");
  // (gates * hidden_size below must not overflow: found by the pipeline
  // fuzz target, hidden_size 2^63 - 1.)
  if (r.hidden != rr.getDimSize(2))
    return n.error("hidden_size " + Twine(r.hidden) + " is not R's last extent " +
                   Twine(rr.getDimSize(2)));
  SmallVector<int64_t> wantW{r.dirs, r.gates * r.hidden, r.input},
      wantR{r.dirs, r.gates * r.hidden, r.hidden};
  if (w.getShape() != ArrayRef<int64_t>(wantW) || rr.getShape() != ArrayRef<int64_t>(wantR))
    return n.error("W or R does not have the shape [num_directions, " + Twine(r.gates) +
                   " * hidden_size, input_size | hidden_size] that X, direction and "
                   "hidden_size give");
  if (w.getElementType() != r.elem || rr.getElementType() != r.elem)
    return n.error("W and R must have X's element type");
  if (n.hasAttr("clip")) {
    double c = n.attrFloat("clip", 0);
    if (!(c > 0))
      return n.error("clip must be positive");
    r.clip = c;
  }
  // Activations: the defaults, or as given (perDir per direction).
  SmallVector<std::string> names;
  if (const auto *a = n.attr("activations")) {
    for (const std::string &s : a->strings())
      names.push_back(llvm::StringRef(s).lower());
  } else {
    for (int64_t d = 0; d < r.dirs; ++d) {
      if (cell == Cell::RNN)
        names.push_back("tanh");
      else
        names.append({"sigmoid", "tanh"});
      if (cell == Cell::LSTM)
        names.push_back("tanh");
    }
  }
  if ((int64_t)names.size() != perDir * r.dirs)
    return n.error("activations has " + Twine(names.size()) + " entries, expected " +
                   Twine(perDir * r.dirs));
  SmallVector<double> alphas = n.attrFloats("activation_alpha"),
                      betas = n.attrFloats("activation_beta");
  size_t ai = 0, bi = 0;
  for (const std::string &f : names) {
    static const char *known[] = {"sigmoid",         "tanh",       "relu",  "softsign",
                                  "softplus",        "leakyrelu",  "elu",   "hardsigmoid",
                                  "thresholdedrelu", "scaledtanh", "affine"};
    if (llvm::none_of(known, [&](const char *k) { return f == k; }))
      return n.error("activation '" + f + "' is not one ONNX defines for recurrent ops");
    Activation act{f, std::nullopt, std::nullopt};
    if (takesAlpha(f) && ai < alphas.size())
      act.alpha = alphas[ai++];
    if (takesBeta(f) && bi < betas.size())
      act.beta = betas[bi++];
    r.acts.push_back(act);
  }
  return r;
}

/// The optional [dirs, batch, hidden] state input (layout 1: [batch, dirs,
/// hidden]) as one [batch, hidden] value per direction, zeros when absent.
FailureOr<SmallVector<Value>> initialState(NodeImporter &n, Emitter &e, const Recurrence &r,
                                           unsigned index) {
  SmallVector<Value> out;
  Value v = n.input(index);
  if (v) {
    auto t = n.inputType(index);
    SmallVector<int64_t> want = r.batchFirst ? SmallVector<int64_t>{r.batch, r.dirs, r.hidden}
                                             : SmallVector<int64_t>{r.dirs, r.batch, r.hidden};
    if (t.getShape() != ArrayRef<int64_t>(want) || t.getElementType() != r.elem)
      return n.error(
          "input " + Twine(index) + " (an initial state) must be " +
          (r.batchFirst ? "[batch, num_directions, hidden]" : "[num_directions, batch, hidden]") +
          " of X's element type");
    if (r.batchFirst)
      v = e.transpose(v, {1, 0, 2});
  }
  for (int64_t d = 0; d < r.dirs; ++d)
    out.push_back(v ? e.reshape(e.slice(v, 0, d, 1), {r.batch, r.hidden})
                    : n.splat(r.elem, 0.0, {r.batch, r.hidden}));
  return out;
}

/// Row `d` of a [dirs, ...] weight as the [...] it holds.
Value dirSlice(Emitter &e, Value v, int64_t d) {
  auto t = cast<RankedTensorType>(v.getType());
  return e.reshape(e.slice(v, 0, d, 1), t.getShape().drop_front());
}

LogicalResult importRecurrent(NodeImporter &n, Cell cell) {
  auto parsed = readRecurrence(n, cell);
  if (failed(parsed))
    return failure();
  const Recurrence &r = *parsed;
  Emitter e(n);
  int64_t H = r.hidden, G = r.gates, B = r.batch, T = r.seq;
  bool lbr = cell == Cell::GRU && n.attrInt("linear_before_reset", 0) != 0;
  bool coupled = cell == Cell::LSTM && n.attrInt("input_forget", 0) != 0;

  // X as [T, B, input], then [T * B, input] for the projection.
  Value x = n.input(0);
  if (r.batchFirst)
    x = e.transpose(x, {1, 0, 2});
  Value x2 = e.reshape(x, {T * B, r.input});

  Value bias = n.input(3);
  if (bias) {
    auto bt = n.inputType(3);
    if (bt.getShape() != ArrayRef<int64_t>({r.dirs, 2 * G * H}) || bt.getElementType() != r.elem)
      return n.error("B must be [num_directions, " + Twine(2 * G) + " * hidden_size]");
  }
  // sequence_lens: a [B, 1] column of lengths, compared with each step.
  Value lens;
  if (n.hasInput(4)) {
    auto lt = n.inputType(4);
    if (lt.getShape() != ArrayRef<int64_t>({B}) || !isa<IntegerType>(lt.getElementType()))
      return n.error("sequence_lens must be an integer [batch_size] tensor");
    bool full = false;
    if (auto c = n.constInts(4); succeeded(c))
      full = llvm::all_of(*c, [&](int64_t l) { return l == T; });
    if (!full) {
      Value l = n.input(4);
      if (!lt.getElementType().isInteger(64))
        l = e.take(n.make<CastOp>(RankedTensorType::get({B}, n.builder().getI64Type()), l));
      lens = e.reshape(l, {B, 1});
    }
  }
  Value peep = cell == Cell::LSTM ? n.input(7) : Value();
  if (peep) {
    auto pt = n.inputType(7);
    if (pt.getShape() != ArrayRef<int64_t>({r.dirs, 3 * H}) || pt.getElementType() != r.elem)
      return n.error("P must be [num_directions, 3 * hidden_size]");
  }
  auto h0 = initialState(n, e, r, 5);
  if (failed(h0))
    return failure();
  SmallVector<Value> c0;
  if (cell == Cell::LSTM) {
    auto c = initialState(n, e, r, 6);
    if (failed(c))
      return failure();
    c0 = *c;
  }

  auto clipped = [&](Value v) {
    return r.clip ? e.unary(UnaryKind::Clip, v, -*r.clip, *r.clip) : v;
  };
  int64_t perDir = r.acts.size() / r.dirs;
  SmallVector<Value> ys, hs, cs; // per direction: [T, 1, B, H], [1, B, H]
  for (int64_t d = 0; d < r.dirs; ++d) {
    bool reverse = r.reverseOnly || d == 1;
    const Activation *act = &r.acts[d * perDir];
    Value w = dirSlice(e, n.input(1), d), rw = dirSlice(e, n.input(2), d);
    Value wb, rb;
    if (bias) {
      Value bd = dirSlice(e, bias, d);
      wb = e.slice(bd, 0, 0, G * H);
      rb = e.slice(bd, 0, G * H, G * H);
    }
    // The bias folded into the projection: Wb + Rb, except for GRU with
    // linear_before_reset, whose hidden-gate Rb sits inside r ⊙ (...): the
    // recurrent linear carries all of Rb there.
    Value inBias = !wb ? Value() : lbr ? wb : e.add(wb, rb);
    Value proj = e.reshape(e.linear(x2, w, inBias), {T, B, G * H});
    // GRU without linear_before_reset multiplies r into h before Rh.
    Value rZR = cell == Cell::GRU && !lbr ? e.slice(rw, 0, 0, 2 * H) : Value();
    Value rH = cell == Cell::GRU && !lbr ? e.slice(rw, 0, 2 * H, H) : Value();
    Value pI, pO, pF;
    if (peep) {
      Value pd = dirSlice(e, peep, d);
      pI = e.slice(pd, 0, 0, H);
      pO = e.slice(pd, 0, H, H);
      pF = e.slice(pd, 0, 2 * H, H);
    }

    Value h = (*h0)[d], c = cell == Cell::LSTM ? c0[d] : Value();
    // From a zero state the first step's h · Rᵀ is zero (GRU's carries Rb).
    bool zeroState = !n.input(5);
    auto recur = [&](Value h, Value w) {
      return zeroState ? n.splat(r.elem, 0.0) : e.linear(h, w, Value());
    };
    // x_t's projection + h · Wᵀ: at batch 1 the projection is the linear's
    // bias, which the kernels start their accumulators from (no add of its
    // own per step).
    auto recurAdd = [&](Value xpart, Value h, Value w) {
      if (zeroState || B != 1)
        return e.add(xpart, recur(h, w));
      int64_t width = cast<RankedTensorType>(xpart.getType()).getDimSize(1);
      return e.linear(h, w, e.reshape(xpart, {width}));
    };
    SmallVector<Value> out(T);
    for (int64_t s = 0; s < T; ++s, zeroState = false) {
      int64_t t = reverse ? T - 1 - s : s;
      Value xt = e.reshape(e.slice(proj, 0, t, 1), {B, G * H});
      Value hNew, cNew;
      if (cell == Cell::LSTM) {
        Value g = recurAdd(xt, h, rw);
        Value gi = e.slice(g, 1, 0, H), go = e.slice(g, 1, H, H), gf = e.slice(g, 1, 2 * H, H),
              gc = e.slice(g, 1, 3 * H, H);
        if (peep) {
          gi = e.add(gi, e.mul(pI, c));
          gf = e.add(gf, e.mul(pF, c));
        }
        Value i = apply(e, act[0], clipped(gi));
        Value f = coupled ? e.binary(BinaryKind::Sub, e.scalar(i, 1.0), i)
                          : apply(e, act[0], clipped(gf));
        Value cand = apply(e, act[1], clipped(gc));
        cNew = e.add(e.mul(f, c), e.mul(i, cand));
        if (peep)
          go = e.add(go, e.mul(pO, cNew));
        Value o = apply(e, act[0], clipped(go));
        hNew = e.mul(o, apply(e, act[2], cNew));
      } else if (cell == Cell::GRU) {
        Value z, rg, cand;
        if (lbr) {
          Value hr = e.linear(h, rw, rb);
          Value zr = e.add(e.slice(xt, 1, 0, 2 * H), e.slice(hr, 1, 0, 2 * H));
          z = apply(e, act[0], clipped(e.slice(zr, 1, 0, H)));
          rg = apply(e, act[0], clipped(e.slice(zr, 1, H, H)));
          cand =
              apply(e, act[1],
                    clipped(e.add(e.slice(xt, 1, 2 * H, H), e.mul(rg, e.slice(hr, 1, 2 * H, H)))));
        } else {
          Value zr = recurAdd(e.slice(xt, 1, 0, 2 * H), h, rZR);
          z = apply(e, act[0], clipped(e.slice(zr, 1, 0, H)));
          rg = apply(e, act[0], clipped(e.slice(zr, 1, H, H)));
          cand = apply(e, act[1], clipped(recurAdd(e.slice(xt, 1, 2 * H, H), e.mul(rg, h), rH)));
        }
        // (1 - z) ⊙ ĥ + z ⊙ h = ĥ + z ⊙ (h - ĥ)
        hNew = e.add(cand, e.mul(z, e.binary(BinaryKind::Sub, h, cand)));
      } else {
        hNew = apply(e, act[0], clipped(recurAdd(xt, h, rw)));
      }
      Value y = hNew;
      if (lens) {
        // Past a batch entry's length the state holds and Y is zero.
        Value valid =
            e.take(n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::GT),
                                     lens, n.splat(n.builder().getI64Type(), (double)t)));
        y = e.select(valid, hNew, e.scalar(hNew, 0.0));
        hNew = e.select(valid, hNew, h);
        if (cNew)
          cNew = e.select(valid, cNew, c);
      }
      h = hNew;
      c = cNew;
      if (n.hasOutput(0))
        out[t] = e.reshape(y, {1, 1, B, H});
      if (e.failed())
        return failure();
    }
    if (n.hasOutput(0))
      ys.push_back(e.concat(out, 0));
    hs.push_back(e.reshape(h, {1, B, H}));
    if (c)
      cs.push_back(e.reshape(c, {1, B, H}));
  }
  // Y: [T, dirs, B, H] (layout 1: [B, T, dirs, H]); Y_h, Y_c: [dirs, B, H]
  // (layout 1: [B, dirs, H]).
  auto state = [&](ArrayRef<Value> parts) {
    Value v = e.concat(parts, 0);
    return r.batchFirst ? e.transpose(v, {1, 0, 2}) : v;
  };
  Value y = n.hasOutput(0) ? e.concat(ys, 1) : Value();
  if (y && r.batchFirst)
    y = e.transpose(y, {2, 0, 1, 3});
  Value yh = state(hs), yc = cell == Cell::LSTM ? state(cs) : Value();
  if (e.failed())
    return failure();
  if (n.hasOutput(0))
    n.setOutput(0, y);
  if (n.hasOutput(1))
    n.setOutput(1, yh);
  if (cell == Cell::LSTM && n.hasOutput(2))
    n.setOutput(2, yc);
  return success();
}

} // namespace

void onnx_import::registerRecurrentRules(RuleTable &t) {
  t["LSTM"] = [](NodeImporter &n) { return importRecurrent(n, Cell::LSTM); };
  t["GRU"] = [](NodeImporter &n) { return importRecurrent(n, Cell::GRU); };
  t["RNN"] = [](NodeImporter &n) { return importRecurrent(n, Cell::RNN); };
}
