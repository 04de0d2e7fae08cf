//===- Sampling.cpp - ONNX GridSample to autoglm ---------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// GridSample and RoiAlign as gathers. GridSample: for each tap of the interpolation (1 nearest, 4
// bilinear, 16 bicubic) the source pixel's flat index and its weight are
// computed elementwise from the grid, the pixels are gathered from X viewed
// as [N, C, H * W] (GatherElements along the flat axis) and the weighted
// taps summed. Coordinates follow torch's grid_sample (which wrote ONNX's
// reference outputs): unnormalized by align_corners, then clamped
// (border) or reflected and clamped (reflection); a tap outside the image
// reads 0 (zeros padding). Bicubic applies the padding to each tap.
//===----------------------------------------------------------------------===//

#include "ImportContext.h"
#include <fmt/format.h>

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

/// RoiAlign as ONNX Runtime computes it (ONNX's reference outputs): per
/// output bin, sampling_ratio^2 points, each read bilinearly (a point more
/// than one pixel outside reads 0; others are clamped into the image);
/// avg divides the sum by the point count, max takes the largest weighted
/// corner. The sampling ratio must be given (ratio 0 derives it from each
/// roi's size, a data-dependent loop bound).
LogicalResult importRoiAlign(NodeImporter &n) {
  auto xt = n.inputType(0), rt = n.inputType(1), bt = n.inputType(2);
  if (!xt.hasStaticShape() || xt.getRank() != 4 || !rt.hasStaticShape() || rt.getRank() != 2 ||
      rt.getDimSize(1) != 4 || !bt.hasStaticShape() || bt.getRank() != 1 ||
      bt.getDimSize(0) != rt.getDimSize(0))
    return n.error("expects X [N, C, H, W], rois [R, 4] and batch_indices [R] of static shapes");
  if (!isa<FloatType>(xt.getElementType()) || rt.getElementType() != xt.getElementType())
    return n.error("X and rois must be float tensors of one element type");
  int64_t ratio = n.attrInt("sampling_ratio", 0);
  if (ratio <= 0)
    return n.error("sampling_ratio 0 (adaptive: from each roi's size at run time) is not "
                   "supported; give a positive sampling_ratio");
  std::string mode = n.attrString("mode", "avg"),
              ctm = n.attrString("coordinate_transformation_mode", "half_pixel");
  if (mode != "avg" && mode != "max")
    return n.error("mode '" + mode + "' is not avg or max");
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    return n.error("coordinate_transformation_mode '" + ctm +
                   "' is not half_pixel or output_half_pixel");
  bool halfPixel = ctm == "half_pixel";
  int64_t oh = n.attrInt("output_height", 1), ow = n.attrInt("output_width", 1);
  // Each factor bounded first: the product of unchecked attributes
  // overflowed (sampling_ratio 2^31 - 1).
  constexpr int64_t kMaxSamples = (int64_t)1 << 20;
  if (oh < 1 || ow < 1 || oh > kMaxSamples || ow > kMaxSamples || ratio > 1024 ||
      oh * ow > kMaxSamples || oh * ow * ratio * ratio > kMaxSamples)
    return n.error(fmt::format("output_height {}, output_width {} and sampling_ratio {}: the "
                               "extents must be positive and the samples at most 2^20 per roi",
                               oh, ow, ratio));
  double scale = n.attrFloat("spatial_scale", 1.0);
  int64_t C = xt.getDimSize(1), H = xt.getDimSize(2), W = xt.getDimSize(3), R = rt.getDimSize(0),
          P = oh * ow * ratio * ratio;
  Emitter e(n);
  Type elem = xt.getElementType(), i64 = n.builder().getI64Type();
  Sampler s{n, e, Padding::Zeros, false};
  // Roi corners [R, 1, 1] in pixels.
  auto corner = [&](int64_t k) {
    Value v = e.mul(e.reshape(e.slice(n.input(1), 1, k, 1), {R, 1, 1}), n.splat(elem, scale));
    return halfPixel ? s.sub(v, s.c(v, 0.5)) : v;
  };
  Value x0 = corner(0), y0 = corner(1), x1 = corner(2), y1 = corner(3);
  Value rw = s.sub(x1, x0), rh = s.sub(y1, y0);
  if (!halfPixel) {
    rw = e.binary(BinaryKind::Max, rw, s.c(rw, 1.0));
    rh = e.binary(BinaryKind::Max, rh, s.c(rh, 1.0));
  }
  // Sample p = ((ph * ow + pw) * ratio + iy) * ratio + ix sits at
  // start + (ph + (iy + 0.5) / ratio) * bin along y, likewise along x.
  SmallVector<APFloat> fy, fx;
  for (int64_t ph = 0; ph < oh; ++ph)
    for (int64_t pw = 0; pw < ow; ++pw)
      for (int64_t iy = 0; iy < ratio; ++iy)
        for (int64_t ix = 0; ix < ratio; ++ix) {
          fy.push_back(APFloat((double)ph + (iy + 0.5) / ratio));
          fx.push_back(APFloat((double)pw + (ix + 0.5) / ratio));
        }
  auto frac = [&](SmallVector<APFloat> &v) {
    for (APFloat &f : v) {
      bool lost;
      f.convert(cast<FloatType>(elem).getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    }
    return n.constant(DenseElementsAttr::get(RankedTensorType::get({1, 1, P}, elem), v));
  };
  Value y = e.add(y0, e.mul(frac(fy), e.binary(BinaryKind::Div, rh, s.c(rh, (double)oh))));
  Value x = e.add(x0, e.mul(frac(fx), e.binary(BinaryKind::Div, rw, s.c(rw, (double)ow))));
  // Points more than a pixel outside read 0; the rest are clamped.
  Value inside = e.binary(BinaryKind::And,
                          e.binary(BinaryKind::And, s.cmp(CompareKind::GE, y, s.c(y, -1.0)),
                                   s.cmp(CompareKind::LE, y, s.c(y, (double)H))),
                          e.binary(BinaryKind::And, s.cmp(CompareKind::GE, x, s.c(x, -1.0)),
                                   s.cmp(CompareKind::LE, x, s.c(x, (double)W))));
  auto axisTaps = [&](Value v, int64_t size, Value &lo, Value &hi, Value &fracLo) {
    v = s.clampTo(v, 0, size - 1);
    lo = e.unary(UnaryKind::Floor, v);
    hi = e.binary(BinaryKind::Min, e.add(lo, s.c(lo, 1.0)), s.c(lo, (double)(size - 1)));
    fracLo = s.sub(v, lo); // the weight of hi
  };
  Value yl, yh, ly, xl, xh, lx;
  axisTaps(y, H, yl, yh, ly);
  axisTaps(x, W, xl, xh, lx);
  Value hy = s.sub(s.c(ly, 1.0), ly), hx = s.sub(s.c(lx, 1.0), lx);
  // X rows of each roi's batch entry, flat: [R, C, H * W].
  Value bidx = n.input(2);
  if (!bt.getElementType().isInteger(64))
    bidx = e.take(n.make<CastOp>(RankedTensorType::get({R}, i64), bidx));
  Value xr = e.ready({bidx})
                 ? e.take(n.make<GatherOp>(RankedTensorType::get({R, C, H, W}, elem), n.input(0),
                                           bidx, n.builder().getI64IntegerAttr(0)))
                 : Value();
  Value flat = e.reshape(xr, {R, C, H * W});
  auto idxType = RankedTensorType::get({R, C, P}, i64);
  auto read = [&](Value ty, Value tx, Value w) {
    Value fi = e.add(e.mul(ty, s.c(ty, (double)W)), tx);
    Value idx =
        e.ready({fi}) ? e.take(n.make<CastOp>(RankedTensorType::get({R, 1, P}, i64), fi)) : Value();
    Value full = e.ready({idx}) ? e.take(n.make<ExpandOp>(idxType, idx)) : Value();
    Value px = e.ready({flat, full}) ? e.take(n.make<GatherElementsOp>(
                                           RankedTensorType::get({R, C, P}, elem), flat, full, 2))
                                     : Value();
    return e.mul(px, e.select(inside, w, s.c(w, 0.0)));
  };
  Value t1 = read(yl, xl, e.mul(hy, hx)), t2 = read(yl, xh, e.mul(hy, lx)),
        t3 = read(yh, xl, e.mul(ly, hx)), t4 = read(yh, xh, e.mul(ly, lx));
  Value samples = mode == "avg" ? e.add(e.add(t1, t2), e.add(t3, t4))
                                : e.binary(BinaryKind::Max, e.binary(BinaryKind::Max, t1, t2),
                                           e.binary(BinaryKind::Max, t3, t4));
  Value bins = e.reshape(samples, {R, C, oh, ow, ratio * ratio});
  Value out = e.ready({bins})
                  ? e.take(n.make<ReduceOp>(
                        RankedTensorType::get({R, C, oh, ow}, elem),
                        ReduceKindAttr::get(n.context(),
                                            mode == "avg" ? ReduceKind::Mean : ReduceKind::Max),
                        bins, n.builder().getDenseI64ArrayAttr({4}), n.builder().getBoolAttr(false),
                        n.builder().getBoolAttr(false)))
                  : Value();
  if (e.failed())
    return failure();
  n.setOutput(0, out);
  return success();
}

} // namespace

void onnx_import::registerSamplingRules(RuleTable &t) {
  t["GridSample"] = importGridSample;
  t["RoiAlign"] = importRoiAlign;
}
