//===- String.cpp - ONNX string and text ops -----------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// STRING tensors import as tensors of !autoglm.string. The ops here keep
// ONNX's semantics; what the lowering supports is in docs/architecture.md
// ("String tensors"). TfIdfVectorizer over integer token ids is a composite
// of compares and sums (below).
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

namespace {

LogicalResult importStringNormalizer(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!isa<StringType>(in.getElementType()))
    return n.error("input must be a string tensor");
  std::string action = n.attrString("case_change_action", "NONE");
  StringCase kind;
  if (action == "NONE")
    kind = StringCase::None;
  else if (action == "LOWER")
    kind = StringCase::Lower;
  else if (action == "UPPER")
    kind = StringCase::Upper;
  else
    return n.error("case_change_action '" + action +
                   "' is not one of NONE, LOWER, UPPER");
  // ONNX leaves the locale to the implementation; ours maps ASCII and
  // Latin-1 letters, which is what every locale does with them.
  bool caseSensitive = n.attrInt("is_case_sensitive", 0) != 0;
  SmallVector<StringRef> stopwords;
  if (const auto *a = n.attr("stopwords"))
    for (const std::string &s : a->strings())
      stopwords.push_back(s);
  if (in.getRank() != 1 && !(in.getRank() == 2 && in.getDimSize(0) == 1))
    return n.error("input must be [C] or [1, C] (ONNX StringNormalizer)");
  // Which elements survive depends on the data: the last extent is dynamic
  // unless nothing can be removed.
  SmallVector<int64_t> shape(in.getShape());
  if (!stopwords.empty())
    shape.back() = ShapedType::kDynamic;
  OpBuilder &b = n.builder();
  return done(n, n.make<StringNormalizeOp>(
                     RankedTensorType::get(shape, in.getElementType()), n.input(0),
                     StringCaseAttr::get(n.context(), kind),
                     b.getBoolAttr(caseSensitive), b.getStrArrayAttr(stopwords)));
}

/// TfIdfVectorizer over integer ids ([C] or [N, C], static): for every
/// n-gram length n of the pool in [min_gram_length, max_gram_length] and
/// every skip k (0 for unigrams, else 0..max_skip_count), the n-grams of a
/// row start at i and take positions i, i + (k + 1), ...; each is compared
/// with every pool n-gram of that length ([N, W, 1] == [1, 1, P] per
/// position, multiplied together) and the matches summed over the starts.
/// The counts are weighted as `mode` says and placed at `ngram_indexes`.
/// This is ONNX Runtime's reading of the operator (a skip applies to
/// n-grams of two or more).
LogicalResult importTfIdfVectorizer(NodeImporter &n) {
  RankedTensorType in = n.inputType(0);
  if (!in || !isa<IntegerType>(in.getElementType()))
    return n.error("supports integer token ids (pool_int64s); string pools "
                   "are not implemented");
  if (!in.hasStaticShape() || in.getRank() < 1 || in.getRank() > 2)
    return n.error("expects a static [C] or [N, C] input");
  int64_t minN = n.attrInt("min_gram_length", 0), maxN = n.attrInt("max_gram_length", 0);
  int64_t maxSkip = n.attrInt("max_skip_count", 0);
  std::string mode = n.attrString("mode", "");
  SmallVector<int64_t> counts = n.attrInts("ngram_counts");
  SmallVector<int64_t> indexes = n.attrInts("ngram_indexes");
  SmallVector<int64_t> pool = n.attrInts("pool_int64s");
  SmallVector<double> weights = n.attrFloats("weights");
  if (n.hasAttr("pool_strings"))
    return n.error("string pools are not implemented");
  // (Bounded: max_gram_length 2^63 - 1 overflowed the check below.)
  if (minN < 1 || maxN < minN || maxN > 65536 || maxSkip < 0 || maxSkip > 65536)
    return n.error("needs 1 <= min_gram_length <= max_gram_length <= 65536 and 0 <= "
                   "max_skip_count <= 65536");
  if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
    return n.error("mode '" + mode + "' is not one of TF, IDF, TFIDF");
  if (counts.empty() || counts[0] != 0 || (int64_t)counts.size() > maxN + 64)
    return n.error("ngram_counts must start at 0");
  // Pool n-grams per length: [start, number of n-grams).
  int64_t total = 0;
  SmallVector<std::pair<int64_t, int64_t>> levels;
  for (size_t l = 0; l < counts.size(); ++l) {
    int64_t len = l + 1, start = counts[l];
    int64_t end = l + 1 < counts.size() ? counts[l + 1] : (int64_t)pool.size();
    if (start < 0 || end < start || end > (int64_t)pool.size() || (end - start) % len)
      return n.error("ngram_counts do not split pool_int64s into n-grams of each length");
    levels.push_back({start, (end - start) / len});
    total += (end - start) / len;
  }
  if ((int64_t)indexes.size() != total)
    return n.error("ngram_indexes has " + Twine(indexes.size()) + " entries for " + Twine(total) +
                   " pool n-grams");
  if (!weights.empty() && (int64_t)weights.size() != total)
    return n.error("weights has " + Twine(weights.size()) + " entries for " + Twine(total) +
                   " pool n-grams");
  int64_t width = 0;
  for (int64_t i : indexes) {
    if (i < 0 || i >= (int64_t)1 << 24)
      return n.error("ngram_indexes entry " + Twine(i) + " is out of range");
    width = std::max(width, i + 1);
  }
  // Output column o takes pool n-gram inv[o] (or the zero column `total`).
  SmallVector<int64_t> inv(width, total);
  for (int64_t j = 0; j < total; ++j) {
    if (inv[indexes[j]] != total)
      return n.error("ngram_indexes maps two n-grams to output " + Twine(indexes[j]));
    inv[indexes[j]] = j;
  }

  Emitter e(n);
  Type f32 = n.builder().getF32Type();
  Type ids = in.getElementType();
  int64_t rows = in.getRank() == 2 ? in.getDimSize(0) : 1, len = in.getShape().back();
  Value x = e.reshape(n.input(0), {rows, len});
  auto tensorOf = [&](Type elem, ArrayRef<int64_t> shape, ArrayRef<int64_t> values) {
    return n.constant(DenseElementsAttr::get(RankedTensorType::get(shape, elem), values));
  };
  SmallVector<Value> perLevel;
  for (int64_t l = 0; l < (int64_t)levels.size(); ++l) {
    int64_t gram = l + 1, start = levels[l].first, grams = levels[l].second;
    if (grams == 0)
      continue;
    Value sum = n.splat(f32, 0.0, {rows, grams});
    bool used = gram >= minN && gram <= maxN;
    for (int64_t k = 0; used && k <= (gram == 1 ? 0 : maxSkip); ++k) {
      int64_t starts = len - (gram - 1) * (k + 1);
      if (starts <= 0)
        break;
      Value match;
      for (int64_t p = 0; p < gram; ++p) {
        SmallVector<int64_t> column;
        for (int64_t g = 0; g < grams; ++g)
          column.push_back(pool[start + g * gram + p]);
        Value want =
            e.take(n.make<CastOp>(RankedTensorType::get({1, 1, grams}, ids),
                                  tensorOf(n.builder().getI64Type(), {1, 1, grams}, column)));
        Value at = e.reshape(e.slice(x, 1, p * (k + 1), starts), {rows, starts, 1});
        Value eq = e.ready({at, want})
                       ? e.take(n.make<CompareOp>(
                             Type(), CompareKindAttr::get(n.context(), CompareKind::EQ), at, want))
                       : Value();
        Value hit =
            e.ready({eq})
                ? e.take(n.make<CastOp>(RankedTensorType::get({rows, starts, grams}, f32), eq))
                : Value();
        match = match ? e.mul(match, hit) : hit;
      }
      Value found = e.ready({match})
                        ? e.take(n.make<ReduceOp>(
                              Type(), ReduceKindAttr::get(n.context(), ReduceKind::Sum), match,
                              n.builder().getDenseI64ArrayAttr({1}), n.builder().getBoolAttr(false),
                              n.builder().getBoolAttr(false)))
                        : Value();
      sum = e.add(sum, found);
    }
    perLevel.push_back(sum);
  }
  perLevel.push_back(n.splat(f32, 0.0, {rows, 1}));
  Value tf = e.concat(perLevel, 1);
  if (mode != "TF") {
    SmallVector<float> w(total + 1, 1.0f);
    for (size_t j = 0; j < weights.size(); ++j)
      w[j] = weights[j];
    w[total] = 0.0f;
    Value wt = n.constant(
        DenseElementsAttr::get(RankedTensorType::get({1, total + 1}, f32), ArrayRef<float>(w)));
    if (mode == "IDF") {
      Value seen =
          e.ready({tf})
              ? e.take(n.make<CompareOp>(Type(), CompareKindAttr::get(n.context(), CompareKind::GT),
                                         tf, e.scalar(tf, 0.0)))
              : Value();
      tf = e.ready({seen})
               ? e.take(n.make<CastOp>(RankedTensorType::get({rows, total + 1}, f32), seen))
               : Value();
    }
    tf = e.mul(tf, wt);
  }
  Value y = e.ready({tf}) ? e.take(n.make<GatherOp>(
                                Type(), tf, tensorOf(n.builder().getI64Type(), {width}, inv), 1))
                          : Value();
  if (in.getRank() == 1)
    y = e.reshape(y, {width});
  if (e.failed())
    return failure();
  n.setOutput(0, y);
  return success();
}

} // namespace

void onnx_import::registerStringRules(RuleTable &t) {
  t["StringNormalizer"] = importStringNormalizer;
  t["TfIdfVectorizer"] = importTfIdfVectorizer;
}
