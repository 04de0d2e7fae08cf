//===- String.cpp - ONNX string ops --------------------------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// STRING tensors import as tensors of !autoglm.string. The ops here keep
// ONNX's semantics; what the lowering supports is in docs/architecture.md
// ("String tensors").
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

} // namespace

void onnx_import::registerStringRules(RuleTable &t) {
  t["StringNormalizer"] = importStringNormalizer;
}
