//===- Sampling.cpp - ONNX GridSample to autoglm ---------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// GridSample as gathers: for each tap of the interpolation (1 nearest, 4
// bilinear, 16 bicubic) the source pixel's flat index and its weight are
// computed elementwise from the grid, the pixels are gathered from X viewed
// as [N, C, H * W] (GatherElements along the flat axis) and the weighted
// taps summed. Coordinates follow torch's grid_sample (which wrote ONNX's
// reference outputs): unnormalized by align_corners, then clamped
// (border) or reflected and clamped (reflection); a tap outside the image
// reads 0 (zeros padding). Bicubic applies the padding to each tap.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

enum class Padding { Zeros, Border, Reflection };

struct Sampler {
  NodeImporter &n;
  Emitter &e;
  Padding pad;
  bool align;

  Value c(Value like, double v) { return e.scalar(like, v); }
  Value sub(Value a, Value b) { return e.binary(BinaryKind::Sub, a, b); }
  Value cmp(CompareKind k, Value a, Value b) {
    return e.ready({a, b})
               ? e.take(n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), k), a, b))
               : Value();
  }
  Value clampTo(Value x, double lo, double hi) { return e.unary(UnaryKind::Clip, x, lo, hi); }

  /// Grid coordinate in [-1, 1] to pixel space of an axis of `size`.
  Value unnormalize(Value g, int64_t size) {
    if (align)
      return e.mul(e.add(g, c(g, 1.0)), c(g, 0.5 * (size - 1)));
    return e.mul(sub(e.mul(e.add(g, c(g, 1.0)), c(g, (double)size)), c(g, 1.0)), c(g, 0.5));
  }

  /// torch's reflect_coordinates over [twiceLow / 2, twiceHigh / 2].
  Value reflect(Value x, double twiceLow, double twiceHigh) {
    if (twiceLow == twiceHigh)
      return c(x, 0.0);
    double lo = twiceLow / 2, span = (twiceHigh - twiceLow) / 2;
    Value in = e.unary(UnaryKind::Abs, sub(x, c(x, lo)));
    Value extra = e.binary(BinaryKind::FMod, in, c(x, span));
    Value flips = e.unary(UnaryKind::Floor, e.binary(BinaryKind::Div, in, c(x, span)));
    // flips even: extra + lo, odd: span - extra + lo
    Value odd = cmp(CompareKind::NE, e.binary(BinaryKind::FMod, flips, c(x, 2.0)), c(x, 0.0));
    return e.select(odd, e.add(sub(c(x, span), extra), c(x, lo)), e.add(extra, c(x, lo)));
  }

  /// Border / reflection padding of a source coordinate.
  Value padded(Value x, int64_t size) {
    if (pad == Padding::Border)
      return clampTo(x, 0, size - 1);
    if (pad == Padding::Reflection) {
      Value r = align ? reflect(x, 0, 2.0 * (size - 1)) : reflect(x, -1, 2.0 * size - 1);
      return clampTo(r, 0, size - 1);
    }
    return x;
  }
};

/// torch's cubic convolution coefficients (A = -0.75) for offset t.
SmallVector<Value> cubicWeights(Sampler &s, Value t) {
  Emitter &e = s.e;
  const double A = -0.75;
  auto near = [&](Value x) { // ((A + 2) x - (A + 3)) x x + 1, |x| <= 1
    return e.add(e.mul(e.mul(s.sub(e.mul(x, s.c(x, A + 2)), s.c(x, A + 3)), x), x), s.c(x, 1));
  };
  auto far = [&](Value x) { // ((A x - 5A) x + 8A) x - 4A, 1 < |x| < 2
    return s.sub(
        e.mul(e.add(e.mul(s.sub(e.mul(x, s.c(x, A)), s.c(x, 5 * A)), x), s.c(x, 8 * A)), x),
        s.c(x, 4 * A));
  };
  Value one = s.c(t, 1.0);
  return {far(e.add(t, one)), near(t), near(s.sub(one, t)), far(s.sub(s.c(t, 2.0), t))};
}

LogicalResult importGridSample(NodeImporter &n) {
  auto xt = n.inputType(0), gt = n.inputType(1);
  if (!xt.hasStaticShape() || !gt.hasStaticShape() || xt.getRank() != 4 || gt.getRank() != 4 ||
      gt.getDimSize(3) != 2 || gt.getDimSize(0) != xt.getDimSize(0))
    return n.error("expects X [N, C, H, W] and grid [N, H_out, W_out, 2] of static shapes");
  if (!isa<FloatType>(xt.getElementType()) || gt.getElementType() != xt.getElementType())
    return n.error("X and the grid must be float tensors of one element type");
  std::string mode = n.attrString("mode", "bilinear"),
              padding = n.attrString("padding_mode", "zeros");
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic")
    return n.error("mode '" + mode + "' is not bilinear, nearest or bicubic");
  Padding pad;
  if (padding == "zeros")
    pad = Padding::Zeros;
  else if (padding == "border")
    pad = Padding::Border;
  else if (padding == "reflection")
    pad = Padding::Reflection;
  else
    return n.error("padding_mode '" + padding + "' is not zeros, border or reflection");
  Emitter e(n);
  Sampler s{n, e, pad, n.attrInt("align_corners", 0) != 0};
  int64_t N = xt.getDimSize(0), C = xt.getDimSize(1), H = xt.getDimSize(2), W = xt.getDimSize(3),
          Ho = gt.getDimSize(1), Wo = gt.getDimSize(2), P = Ho * Wo;
  Type elem = xt.getElementType(), i64 = n.builder().getI64Type();
  // Grid x and y as [N, 1, P]: they broadcast over the channels.
  Value grid = e.reshape(n.input(1), {N, 1, P, 2});
  Value gx = e.reshape(e.slice(grid, 3, 0, 1), {N, 1, P});
  Value gy = e.reshape(e.slice(grid, 3, 1, 1), {N, 1, P});
  Value x = s.unnormalize(gx, W), y = s.unnormalize(gy, H);
  if (mode != "bicubic") {
    x = s.padded(x, W);
    y = s.padded(y, H);
  }
  Value flat = e.reshape(n.input(0), {N, C, H * W});
  auto idxType = RankedTensorType::get({N, C, P}, i64);

  // One tap: the pixel at (tx, ty) (float coordinates holding integers)
  // times weight w, zero outside the image.
  Value sum;
  auto tap = [&](Value tx, Value ty, Value w) {
    if (mode == "bicubic" && pad != Padding::Zeros) {
      tx = s.padded(tx, W);
      ty = s.padded(ty, H);
    }
    Value inside = e.binary(BinaryKind::And,
                            e.binary(BinaryKind::And, s.cmp(CompareKind::GE, tx, s.c(tx, 0)),
                                     s.cmp(CompareKind::LE, tx, s.c(tx, W - 1))),
                            e.binary(BinaryKind::And, s.cmp(CompareKind::GE, ty, s.c(ty, 0)),
                                     s.cmp(CompareKind::LE, ty, s.c(ty, H - 1))));
    Value flatIdx = e.add(e.mul(s.clampTo(ty, 0, H - 1), s.c(ty, W)), s.clampTo(tx, 0, W - 1));
    Value idx = e.ready({flatIdx})
                    ? e.take(n.make<CastOp>(RankedTensorType::get({N, 1, P}, i64), flatIdx))
                    : Value();
    Value full = e.ready({idx}) ? e.take(n.make<ExpandOp>(idxType, idx)) : Value();
    Value px = e.ready({flat, full}) ? e.take(n.make<GatherElementsOp>(
                                           RankedTensorType::get({N, C, P}, elem), flat, full, 2))
                                     : Value();
    Value wv = e.select(inside, w, s.c(w, 0.0));
    Value term = e.mul(px, wv);
    sum = sum ? e.add(sum, term) : term;
  };

  if (mode == "nearest") {
    tap(e.unary(UnaryKind::Round, x), e.unary(UnaryKind::Round, y), s.c(x, 1.0));
  } else if (mode == "bilinear") {
    Value x0 = e.unary(UnaryKind::Floor, x), y0 = e.unary(UnaryKind::Floor, y);
    Value x1 = e.add(x0, s.c(x0, 1)), y1 = e.add(y0, s.c(y0, 1));
    Value wx1 = s.sub(x, x0), wy1 = s.sub(y, y0);
    Value wx0 = s.sub(s.c(x, 1), wx1), wy0 = s.sub(s.c(y, 1), wy1);
    tap(x0, y0, e.mul(wx0, wy0));
    tap(x1, y0, e.mul(wx1, wy0));
    tap(x0, y1, e.mul(wx0, wy1));
    tap(x1, y1, e.mul(wx1, wy1));
  } else {
    Value x0 = e.unary(UnaryKind::Floor, x), y0 = e.unary(UnaryKind::Floor, y);
    SmallVector<Value> wx = cubicWeights(s, s.sub(x, x0)), wy = cubicWeights(s, s.sub(y, y0));
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < 4; ++i)
        tap(e.add(x0, s.c(x0, i - 1)), e.add(y0, s.c(y0, j - 1)), e.mul(wx[i], wy[j]));
  }
  Value out = e.reshape(sum, {N, C, Ho, Wo});
  if (e.failed())
    return failure();
  n.setOutput(0, out);
  return success();
}

} // namespace

void onnx_import::registerSamplingRules(RuleTable &t) { t["GridSample"] = importGridSample; }
