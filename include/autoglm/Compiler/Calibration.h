//===- Calibration.h - activation ranges from calibration statistics -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// The range-choosing rules of static int8 quantization, on a histogram of
// one tensor's values over every calibration sample. The compile session
// (lib/Compiler/Quantize.cpp) collects the histograms by running the
// calibration artifact.
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_COMPILER_CALIBRATION_H
#define AUTOGLM_COMPILER_CALIBRATION_H

#include <cstdint>
#include <utility>
#include <vector>

namespace mlir::autoglm {

/// Entropy calibration: the range [a, b] within [lo, hi] (the histogram's
/// span, `hist` its equal-width bins) whose 255-level uint8 quantization
/// loses the least information. Candidates shrink the range toward zero
/// (the same fraction of each side, so the zero point stays put); for each,
/// the values outside are clipped into its edge bins (P), P is merged into
/// 255 levels and spread back over the bins P holds values in (Q), and the
/// candidate with the smallest KL(P || Q) wins (TensorRT's entropy
/// calibration, on the asymmetric range). A histogram with no mass, or a
/// range that does not hold 0, returns [lo, hi].
std::pair<double, double> entropyRange(const std::vector<uint64_t> &hist, double lo, double hi);

} // namespace mlir::autoglm

#endif // AUTOGLM_COMPILER_CALIBRATION_H
