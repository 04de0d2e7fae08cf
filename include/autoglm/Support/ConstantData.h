//===- ConstantData.h - the bytes behind a constant's elements -----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Header-only: the passes, the conversion and the CPU backend all read
// constant weights, held either as DenseElementsAttr or (large ones, as the
// importer makes them) as DenseResourceElementsAttr blobs.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_SUPPORT_CONSTANTDATA_H
#define AUTOGLM_SUPPORT_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <optional>

namespace mlir::autoglm {

/// The raw bytes of a non-splat dense or resource constant (row-major, the
/// element type's width each), or nullopt (splats, other attributes, a
/// resource whose blob is gone).
inline std::optional<ArrayRef<char>> constantBytes(Attribute attr) {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return std::nullopt;
    return dense.getRawData();
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    return blob->getData();
  }
  return std::nullopt;
}

} // namespace mlir::autoglm

#endif // AUTOGLM_SUPPORT_CONSTANTDATA_H
