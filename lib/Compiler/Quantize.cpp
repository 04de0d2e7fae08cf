//===- Quantize.cpp - the session's quantization stage --------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Static int8 post-training quantization. The analysis (which ops, what
// range their inputs take on real data) is separate from the rewrite
// (autoglm-quant-int8): ops are marked, a copy of the model that returns
// their inputs is compiled for the host and run by the real runtime over the
// calibration samples, and the ranges land on the ops as attributes the
// rewrite reads. Every decision goes into the report by ONNX node name.
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Samples.h"
#include "autoglm/Compiler/Calibration.h"
#include "autoglm/Compiler/Session.h"
#include "autoglm/Support/TensorProto.h"
#include "autoglm/Transforms/Passes.h"
#include "autoglm/runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

using namespace mlir;
using namespace mlir::autoglm;
using session::fail;

namespace {

/// Per-tensor statistics over every calibration sample: the range, and for
/// percentiles a histogram over it (a second pass).
struct TensorStats {
  double lo = INFINITY, hi = -INFINITY;
  std::vector<uint64_t> hist;
  uint64_t count = 0;
};
constexpr int kBins = 4096;

/// The value below which `fraction` of the histogrammed elements lie.
double histogramQuantile(const TensorStats &s, double fraction) {
  uint64_t target = (uint64_t)std::ceil(fraction * (double)s.count);
  uint64_t seen = 0;
  double width = (s.hi - s.lo) / kBins;
  for (int b = 0; b < kBins; ++b) {
    seen += s.hist[b];
    if (seen >= target)
      return s.lo + (b + 1) * width;
  }
  return s.hi;
}

/// Every --exclude name must be an ONNX node of the model.
LogicalResult checkExcludes(ModuleOp module, const std::vector<std::string> &exclude,
                            std::string &error) {
  std::set<std::string> names;
  module.walk([&](Operation *op) {
    op->getLoc()->walk([&](Location l) {
      if (auto n = dyn_cast<NameLoc>(l))
        names.insert(n.getName().str());
      return WalkResult::advance();
    });
  });
  for (const std::string &e : exclude)
    if (!names.count(e))
      return fail(error, "--exclude names no node of the model: '" + e + "'");
  return success();
}

// Runs one quantization pass whose options take the excluded node names.
template <typename Options, typename Create>
LogicalResult runWithExcludes(MLIRContext &ctx, ModuleOp module,
                              const std::vector<std::string> &exclude, Create create) {
  PassManager pm(&ctx);
  Options options;
  options.exclude.assign(exclude.begin(), exclude.end());
  pm.addPass(create(options));
  return pm.run(module);
}

} // namespace

LogicalResult CompileSession::quantize(ModuleOp module, const CompileOptions &o,
                                       const ONNXImportOptions &io, nlohmann::ordered_json &report,
                                       std::string &error) {
  if (o.quantize == "weight-int8" || o.quantize == "w8" || o.quantize == "weight-int4" ||
      o.quantize == "w4")
    return quantizeWeights(module, o, report, error);
  if (o.quantize != "int8")
    return fail(error, "--quantize takes int8, weight-int8 (w8) or weight-int4 (w4), got '" +
                           o.quantize + "'");
  if (o.calib.empty())
    return fail(error, "--quantize int8 needs calibration samples (--calib)");
  if (o.calibMethod != "minmax" && o.calibMethod != "percentile" && o.calibMethod != "entropy")
    return fail(error,
                "--calib-method takes minmax, percentile or entropy, got '" + o.calibMethod + "'");
  if (!(o.calibPercentile > 50 && o.calibPercentile <= 100))
    return fail(error, "--calib-percentile takes a value in (50, 100]");
  double budget = 0;
  if (!o.accuracyBudget.empty()) {
    llvm::StringRef spec(o.accuracyBudget);
    if (!spec.consume_front("cosine=") || spec.getAsDouble(budget) || !(budget > -1) ||
        !(budget <= 1))
      return fail(error, "--accuracy-budget takes cosine=C with C in (-1, 1], got '" +
                             o.accuracyBudget + "'");
  }
  if (!io.dimBounds.empty() || io.openInputs)
    return fail(error, "calibration needs static input shapes (fix open extents with --dim or "
                       "--input-shape, not --max-dim / --open-inputs)");

  // 1. Which ops: conv / linear / matmul with constant weights, less the
  // excluded nodes.
  if (failed(runWithExcludes<QuantMarkOptions>(
          context(), module, o.exclude,
          [](const QuantMarkOptions &x) { return createQuantMark(x); })))
    return failure();
  std::map<int64_t, Operation *> marked;
  module.walk([&](Operation *op) {
    if (auto id = op->getAttrOfType<IntegerAttr>("autoglm.quant_id"))
      marked[id.getInt()] = op;
  });
  if (failed(checkExcludes(module, o.exclude, error)))
    return failure();
  nlohmann::ordered_json q = {{"mode", o.quantize},
                              {"method", o.calibMethod},
                              {"calibration", o.calib},
                              {"excluded", o.exclude}};
  if (marked.empty()) {
    q["layers"] = nlohmann::ordered_json::array();
    q["note"] = "no conv, linear or matmul with constant weights to quantize";
    report["quantization"] = q;
    return success();
  }

  // 2. The calibration model: the same graph returning each marked op's
  // input, compiled for this machine.
  OwningOpRef<ModuleOp> calibModule = module.clone();
  PassManager expose(&context());
  expose.addPass(createQuantExposeActivations());
  if (failed(expose.run(*calibModule)))
    return failure();
  ScratchDir scratchDir;
  std::string calibPath;
  if (failed(scratchDir.create("autoglm-calibrate", error)) ||
      failed(compileForHost(*calibModule, o, scratchDir.path, "calibration", calibPath, error)))
    return failure();
  llvm::StringRef scratch = scratchDir.path;

  // 3. Run it over the samples.
  CalibrationRunner runner;
  if (failed(runner.open(calibPath, marked.size(), error)))
    return failure();
  std::vector<InputSpec> inputs = inputSpecs(runner.model);
  std::vector<Sample> samples;
  if (failed(readSamples(o.calib, inputs, samples, error)))
    return failure();
  if (samples.empty())
    return fail(error, "calibration set '" + o.calib + "' holds no samples");

  std::vector<TensorStats> stats(marked.size());
  bool percentile = o.calibMethod == "percentile", entropy = o.calibMethod == "entropy";
  int passes = percentile || entropy ? 2 : 1;
  llvm::errs() << "autoglm-compile: calibrating " << marked.size() << " tensors on "
               << samples.size() << " samples (" << o.calibMethod << ")\n";
  for (int pass = 0; pass < passes; ++pass) {
    for (TensorStats &s : stats)
      if (pass == 1) {
        s.hist.assign(kBins, 0);
        // Entropy's candidates shrink toward 0, which the range must hold
        // (the quantization widens it so anyway).
        if (entropy && std::isfinite(s.lo) && std::isfinite(s.hi)) {
          s.lo = std::min(s.lo, 0.0);
          s.hi = std::max(s.hi, 0.0);
        }
      }
    size_t step = std::max<size_t>(1, samples.size() / 10);
    for (size_t i = 0; i < samples.size(); ++i) {
      auto visit = [&](size_t k, const float *data, size_t n) {
        TensorStats &s = stats[k];
        if (pass == 0) {
          for (size_t j = 0; j < n; ++j) {
            s.lo = std::min(s.lo, (double)data[j]);
            s.hi = std::max(s.hi, (double)data[j]);
          }
          return;
        }
        double width = (s.hi - s.lo) / kBins;
        for (size_t j = 0; j < n; ++j) {
          int b = width > 0 ? (int)((data[j] - s.lo) / width) : 0;
          ++s.hist[std::clamp(b, 0, kBins - 1)];
        }
        s.count += n;
      };
      if (failed(runner.run(samples[i], visit, error)))
        return failure();
      if ((i + 1) % step == 0 || i + 1 == samples.size())
        llvm::errs() << "autoglm-compile: calibration pass " << pass + 1 << "/" << passes << ": "
                     << i + 1 << "/" << samples.size() << " samples\n";
    }
  }
  for (TensorStats &s : stats)
    if (!std::isfinite(s.lo) || !std::isfinite(s.hi))
      return fail(error, "a calibrated activation is not finite (NaN or Inf in the model's "
                         "intermediate values)");

  // 4. The ranges onto the ops, then the rewrite.
  Builder b(&context());
  for (auto &[id, op] : marked) {
    TensorStats &s = stats[id];
    double lo = s.lo, hi = s.hi;
    if (percentile && s.hi > s.lo) {
      double tail = (100.0 - o.calibPercentile) / 100.0;
      lo = s.lo < 0 ? histogramQuantile(s, tail) : s.lo;
      hi = histogramQuantile(s, 1.0 - tail);
    }
    if (entropy)
      std::tie(lo, hi) = entropyRange(s.hist, s.lo, s.hi);
    op->setAttr("autoglm.act_range", b.getDenseF64ArrayAttr({lo, hi}));
  }

  // 5. Sensitivity (each layer alone quantized) and the accuracy budget.
  std::set<int64_t> fp32Ids;
  std::vector<nlohmann::ordered_json> fp32Layers;
  if (o.quantSensitivity || !o.accuracyBudget.empty()) {
    auto compileHost = [&](ModuleOp m, const std::string &name) -> LogicalResult {
      std::string path;
      return compileForHost(m, o, scratch, name, path, error);
    };
    OwningOpRef<ModuleOp> probes = module.clone();
    PassManager pm(&context());
    pm.addPass(createQuantSensitivityProbes());
    if (failed(pm.run(*probes)) || failed(compileHost(*probes, "sensitivity")))
      return failure();
    CalibrationRunner sr;
    if (failed(sr.open((scratch + "/sensitivity").str(), 2 * marked.size(), error)))
      return failure();
    // Per layer: sum ref^2, sum (ref - q)^2, sum ref q, sum q^2.
    std::vector<std::array<double, 4>> acc(marked.size(), {0, 0, 0, 0});
    // The fp32 outputs per sample (the references of the budget).
    std::vector<std::vector<std::vector<float>>> refs;
    std::vector<size_t> floatOutputs = sr.comparableOutputs();
    llvm::errs() << "autoglm-compile: measuring " << marked.size() << " layers' sensitivity on "
                 << samples.size() << " samples\n";
    for (const Sample &smp : samples) {
      auto visit = [&](size_t k, const float *q, size_t n) {
        if (k % 2 == 0)
          return;
        const float *r = (const float *)sr.outputs[sr.firstExposed + k - 1].data();
        std::array<double, 4> &a = acc[k / 2];
        for (size_t j = 0; j < n; ++j) {
          a[0] += (double)r[j] * r[j];
          a[1] += ((double)r[j] - q[j]) * ((double)r[j] - q[j]);
          a[2] += (double)r[j] * q[j];
          a[3] += (double)q[j] * q[j];
        }
      };
      if (failed(sr.run(smp, visit, error)))
        return failure();
      std::vector<std::vector<float>> outs;
      for (size_t i : floatOutputs) {
        const float *p = (const float *)sr.outputs[i].data();
        outs.emplace_back(p, p + sr.outputs[i].size() / 4);
      }
      refs.push_back(std::move(outs));
    }
    nlohmann::ordered_json sensitivity = nlohmann::ordered_json::array();
    std::vector<std::pair<double, int64_t>> order; // (SQNR, id), most sensitive first
    for (auto &[id, op] : marked) {
      const std::array<double, 4> &a = acc[id];
      double sqnr = a[1] > 0 ? 10 * std::log10(a[0] / a[1]) : 999.0;
      double cosine = a[0] > 0 && a[3] > 0 ? a[2] / std::sqrt(a[0] * a[3]) : 1.0;
      order.push_back({sqnr, id});
      sensitivity.push_back(
          {{"node", session::opNodeName(op)}, {"sqnr_db", sqnr}, {"cosine", cosine}});
    }
    std::sort(order.begin(), order.end());
    q["sensitivity"] = sensitivity;

    if (!o.accuracyBudget.empty()) {
      // The model with the `k` most sensitive layers in fp32, compiled and
      // run over the samples: the min and mean cosine of its float outputs
      // against fp32.
      nlohmann::ordered_json tried = nlohmann::ordered_json::array();
      std::map<size_t, bool> met;
      auto evaluate = [&](size_t k) -> FailureOr<bool> {
        if (met.count(k))
          return met[k];
        OwningOpRef<ModuleOp> m = module.clone();
        std::set<int64_t> keep;
        for (size_t i = 0; i < k; ++i)
          keep.insert(order[i].second);
        m->walk([&](Operation *op) {
          if (auto id = op->getAttrOfType<IntegerAttr>("autoglm.quant_id"))
            if (keep.count(id.getInt()))
              op->removeAttr("autoglm.act_range");
        });
        PassManager qpm(&context());
        qpm.addPass(createQuantInt8());
        qpm.addPass(createPruneGraph());
        std::string name = "budget-" + std::to_string(k);
        if (failed(qpm.run(*m)) || failed(compileHost(*m, name)))
          return failure();
        CalibrationRunner er;
        if (failed(er.open((scratch + "/" + name).str(), 0, error)))
          return failure();
        double lo = 1, sum = 0;
        size_t count = 0;
        for (size_t s = 0; s < samples.size(); ++s) {
          if (failed(er.run(samples[s], [](size_t, const float *, size_t) {}, error)))
            return failure();
          for (auto [j, i] : llvm::enumerate(floatOutputs)) {
            const float *g = (const float *)er.outputs[i].data();
            const std::vector<float> &r = refs[s][j];
            double dot = 0, nr = 0, ng = 0;
            for (size_t e = 0; e < r.size(); ++e) {
              dot += (double)r[e] * g[e];
              nr += (double)r[e] * r[e];
              ng += (double)g[e] * g[e];
            }
            double c = nr > 0 && ng > 0 ? dot / std::sqrt(nr * ng) : (nr == ng ? 1.0 : 0.0);
            lo = std::min(lo, c);
            sum += c;
            ++count;
          }
        }
        double mean = count ? sum / count : 1;
        tried.push_back({{"fp32_layers", k}, {"min_cosine", lo}, {"mean_cosine", mean}});
        llvm::errs() << "autoglm-compile: accuracy budget: " << k << " of " << order.size()
                     << " layers in fp32: min output cosine " << lo << " (mean " << mean << ")\n";
        return met[k] = lo >= budget;
      };
      // Double the fp32 layers until the budget holds, then bisect.
      size_t pass = 0, failAt = 0;
      FailureOr<bool> ok = evaluate(0);
      if (failed(ok))
        return failure();
      if (!*ok) {
        pass = 1;
        while (true) {
          ok = evaluate(std::min(pass, order.size()));
          if (failed(ok))
            return failure();
          if (*ok)
            break;
          if (pass >= order.size())
            return fail(error, "--accuracy-budget cosine=" + llvm::formatv("{0}", budget).str() +
                                   " is not met even with all " + std::to_string(order.size()) +
                                   " quantizable layers in fp32 (see the lines above)");
          failAt = pass;
          pass *= 2;
        }
        pass = std::min(pass, order.size());
        // Missed at failAt, met at pass.
        if (failed(bisect(failAt, pass, [&](size_t mid) -> FailureOr<bool> {
              FailureOr<bool> met = evaluate(mid);
              if (failed(met))
                return failure();
              return !*met;
            })))
          return failure();
      }
      nlohmann::ordered_json fp32Nodes = nlohmann::ordered_json::array();
      for (size_t i = 0; i < pass; ++i) {
        fp32Ids.insert(order[i].second);
        fp32Nodes.push_back(session::opNodeName(marked[order[i].second]));
      }
      q["accuracy_budget"] = {{"metric", "cosine"},
                              {"min", budget},
                              {"evaluations", tried},
                              {"fp32_layers", fp32Nodes}};
      for (int64_t id : fp32Ids) {
        fp32Layers.push_back({{"node", session::opNodeName(marked[id])},
                              {"op", marked[id]->getName().getStringRef().str()},
                              {"precision", "fp32"},
                              {"reason", "accuracy budget"}});
        marked[id]->removeAttr("autoglm.act_range");
      }
    }
  }
  qdqLayers.clear();
  for (auto &[id, op] : marked)
    if (auto r = op->getAttrOfType<DenseF64ArrayAttr>("autoglm.act_range"))
      qdqLayers.push_back({session::opNodeName(op), r[0], r[1]});
  PassManager rewrite(&context());
  rewrite.addPass(createQuantInt8());
  // The fp32 weights the rewrite replaced are dead now.
  rewrite.addPass(createPruneGraph());
  if (failed(rewrite.run(module)))
    return failure();

  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  if (auto entries = module->getAttrOfType<ArrayAttr>("autoglm.quant_report")) {
    for (Attribute a : entries) {
      auto d = cast<DictionaryAttr>(a);
      auto range = cast<DenseF64ArrayAttr>(d.get("range"));
      auto num = [&](const char *key) { return cast<FloatAttr>(d.get(key)).getValueAsDouble(); };
      layers.push_back({{"node", cast<StringAttr>(d.get("node")).str()},
                        {"op", cast<StringAttr>(d.get("op")).str()},
                        {"input_range", {range[0], range[1]}},
                        {"x_scale", num("x_scale")},
                        {"x_zero_point", cast<IntegerAttr>(d.get("x_zero_point")).getInt()},
                        {"w_scale_min", num("w_scale_min")},
                        {"w_scale_max", num("w_scale_max")},
                        {"w_sqnr_db", num("w_sqnr_db")},
                        {"precision", "int8"}});
    }
    module->removeAttr("autoglm.quant_report");
  }
  for (const nlohmann::ordered_json &l : fp32Layers)
    layers.push_back(l);
  q["samples"] = samples.size();
  q["layers"] = layers;
  report["quantization"] = q;
  llvm::errs() << "autoglm-compile: quantized " << layers.size() << " ops to int8\n";
  return success();
}

std::pair<double, double> mlir::autoglm::entropyRange(const std::vector<uint64_t> &hist, double lo,
                                                      double hi) {
  constexpr int kLevels = 255, kCandidates = 256;
  int bins = (int)hist.size();
  uint64_t total = 0;
  for (uint64_t h : hist)
    total += h;
  if (total == 0 || bins < 2 * kLevels || !(lo <= 0 && hi >= 0) || !(hi > lo))
    return {lo, hi};
  double width = (hi - lo) / bins;
  // The bin that holds 0: candidates keep [z - t z, z + t (bins - z)).
  int z = std::clamp((int)std::floor(-lo / width), 0, bins);
  double best = INFINITY;
  std::pair<int, int> keep = {0, bins};
  std::vector<double> p, q;
  for (int c = 1; c <= kCandidates; ++c) {
    double t = (double)c / kCandidates;
    int a = z - (int)std::round(t * z), b = z + (int)std::round(t * (bins - z));
    int n = b - a;
    if (n < kLevels)
      continue;
    // P: the kept bins, what lies outside added to the edge bins.
    p.assign(hist.begin() + a, hist.begin() + b);
    for (int i = 0; i < a; ++i)
      p.front() += (double)hist[i];
    for (int i = b; i < bins; ++i)
      p.back() += (double)hist[i];
    // Q: the kept bins alone (the clipped mass is what the candidate
    // loses) merged per level and spread evenly over the level's bins that
    // P holds values in.
    q.assign(n, 0.0);
    double qTotal = 0;
    for (int l = 0; l < kLevels; ++l) {
      int from = (int)((int64_t)l * n / kLevels), to = (int)((int64_t)(l + 1) * n / kLevels);
      double mass = 0;
      int used = 0;
      for (int i = from; i < to; ++i) {
        if (a + i == z) // 0.0 itself is exact: its own level
          continue;
        mass += (double)hist[a + i];
        used += p[i] > 0;
      }
      for (int i = from; i < to && used; ++i)
        if (p[i] > 0 && a + i != z)
          q[i] = mass / used;
      qTotal += mass;
    }
    if (z >= a && z < b) {
      q[z - a] = (double)hist[z];
      qTotal += (double)hist[z];
    }
    if (qTotal <= 0)
      continue;
    double kl = 0;
    for (int i = 0; i < n; ++i)
      if (p[i] > 0) {
        double pi = p[i] / (double)total, qi = std::max(q[i] / qTotal, 1e-12);
        kl += pi * std::log(pi / qi);
      }
    if (kl < best) {
      best = kl;
      keep = {a, b};
    }
  }
  return {std::min(0.0, lo + keep.first * width), std::max(0.0, lo + keep.second * width)};
}

LogicalResult CompileSession::quantizeWeights(ModuleOp module, const CompileOptions &o,
                                              nlohmann::ordered_json &report, std::string &error) {
  bool int4 = o.quantize == "weight-int4" || o.quantize == "w4";
  if (int4 && (o.groupSize < 2 || o.groupSize % 2 != 0))
    return fail(error,
                "--group-size must be even and at least 2, got " + std::to_string(o.groupSize));
  if (failed(checkExcludes(module, o.exclude, error)))
    return failure();
  if (failed(runWithExcludes<QuantWeightsOptions>(context(), module, o.exclude,
                                                  [&](QuantWeightsOptions x) {
                                                    x.bits = int4 ? 4 : 8;
                                                    x.groupSize = o.groupSize;
                                                    return createQuantWeights(x);
                                                  })))
    return failure();
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  if (auto entries = module->getAttrOfType<ArrayAttr>("autoglm.weight_quant_report"))
    for (auto d : entries.getAsRange<DictionaryAttr>()) {
      nlohmann::ordered_json l = {{"node", d.getAs<StringAttr>("node").str()},
                                  {"weights", d.getAs<IntegerAttr>("weights").getInt()},
                                  {"bits", d.getAs<IntegerAttr>("bits").getInt()}};
      if (auto g = d.getAs<IntegerAttr>("group_size"))
        l["group_size"] = g.getInt();
      l["weight_sqnr_db"] = d.getAs<FloatAttr>("sqnr_db").getValueAsDouble();
      layers.push_back(l);
    }
  module->removeAttr("autoglm.weight_quant_report");
  report["quantization"] = {
      {"mode", int4 ? "weight-int4" : "weight-int8"}, {"excluded", o.exclude}, {"layers", layers}};
  if (int4)
    report["quantization"]["group_size"] = o.groupSize;
  return success();
}
