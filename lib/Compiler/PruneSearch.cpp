//===- PruneSearch.cpp - pruning sensitivity and per-group allocation -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Measured, not estimated: autoglm-prune-structured{probe} gives every
// prunable channel group a mask input that multiplies its consumers' inputs,
// so one host artifact of the model answers "what do the outputs become if
// group g keeps k of its channels" for any combination of groups: a mask
// with zeros at the channels the pass would remove gives the pruned model's
// outputs (the removed channels reach no consumer and no model output). The
// session runs it over the calibration samples per group and level (the
// sensitivity curves), builds a greedy path that removes FLOPs where they
// cost the least output cosine, and measures points of that path against
// the target and the budget. The chosen ratios then go to the real pass.
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Samples.h"
#include "autoglm/Compiler/Session.h"
#include "autoglm/Pipelines/Pipelines.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>

using namespace mlir;
using namespace mlir::autoglm;
using session::fail;

namespace {

struct ProbeGroup {
  std::vector<std::string> nodes;
  int64_t channels = 0, arg = 0;
  std::vector<int64_t> order;
  std::vector<double> weightNorms;
  /// The group's sensitivity points: (ratio, kept) and what was measured.
  struct Point {
    double ratio;
    int64_t kept;
    double loss = 0;
    nlohmann::ordered_json json;
  };
  std::vector<Point> points;
  bool searchable = true;
};

struct Contraction {
  int64_t flops;
  std::vector<int64_t> groups;
};

/// What one evaluation measured over every sample, against the unpruned
/// model's outputs.
struct Metrics {
  double minCosine = 1, meanCosine = 1, sqnr = 999, agreement = 1, accuracy = -1;
  nlohmann::ordered_json json() const {
    nlohmann::ordered_json j = {{"min_cosine", minCosine},
                                {"mean_cosine", meanCosine},
                                {"sqnr_db", sqnr},
                                {"top1_agreement", agreement}};
    if (accuracy >= 0)
      j["accuracy"] = accuracy;
    return j;
  }
};

/// The probe artifact over the samples.
struct Evaluator {
  CalibrationRunner runner;
  std::vector<Sample> samples;
  std::vector<ProbeGroup> *groups = nullptr;
  std::vector<size_t> floatOutputs;
  /// The unpruned outputs per sample and float output.
  std::vector<std::vector<std::vector<float>>> refs;
  /// Output 0's rows (argmax over its last axis) when it is a float
  /// classifier output; their unpruned top-1 and the labels.
  size_t rows = 0, classes = 0;
  std::vector<int64_t> refTop1, labels;
  std::vector<std::vector<float>> masks;
  /// Sum over the samples of E[x^2] per channel at each group's consumers
  /// (the probe's last outputs), from the reference run.
  std::vector<std::vector<double>> act;
  int evaluations = 0;

  void argmaxRows(const float *p, std::vector<int64_t> &out) const {
    for (size_t r = 0; r < rows; ++r)
      out.push_back(std::max_element(p + r * classes, p + (r + 1) * classes) - (p + r * classes));
  }

  /// The model with group g keeping kept[g] channels (its most important).
  FailureOr<Metrics> evaluate(const std::vector<int64_t> &kept, std::string &error) {
    ++evaluations;
    autoglm_model *m = runner.model;
    for (size_t g = 0; g < groups->size(); ++g) {
      const ProbeGroup &pg = (*groups)[g];
      std::vector<float> &mask = masks[g];
      mask.assign(pg.channels, 0.0f);
      for (int64_t i = 0; i < kept[g]; ++i)
        mask[pg.order[i]] = 1.0f;
      if (autoglm_context_set_input(runner.ctx, pg.arg, autoglm_model_input_dtype(m, pg.arg),
                                    autoglm_model_input_rank(m, pg.arg),
                                    autoglm_model_input_shape(m, pg.arg), mask.data(),
                                    mask.size() * 4))
        return fail(error, std::string("pruning probe: ") + autoglm_last_error());
    }
    bool reference = refs.empty();
    Metrics out;
    double sumCos = 0, signal = 0, noise = 0;
    size_t count = 0, agree = 0, correct = 0;
    std::vector<int64_t> top1;
    for (size_t s = 0; s < samples.size(); ++s) {
      auto visit = [&](size_t k, const float *data, size_t n) {
        if (!reference)
          return;
        act[k].resize(n, 0.0);
        for (size_t c = 0; c < n; ++c)
          act[k][c] += data[c];
      };
      if (failed(runner.run(samples[s], visit, error)))
        return failure();
      if (reference) {
        std::vector<std::vector<float>> outs;
        for (size_t i : floatOutputs) {
          const float *p = (const float *)runner.outputs[i].data();
          outs.emplace_back(p, p + runner.outputs[i].size() / 4);
        }
        refs.push_back(std::move(outs));
      }
      for (size_t j = 0; j < floatOutputs.size(); ++j) {
        const float *q = (const float *)runner.outputs[floatOutputs[j]].data();
        const std::vector<float> &r = refs[s][j];
        double dot = 0, nr = 0, nq = 0, err = 0;
        for (size_t e = 0; e < r.size(); ++e) {
          dot += (double)r[e] * q[e];
          nr += (double)r[e] * r[e];
          nq += (double)q[e] * q[e];
          err += ((double)r[e] - q[e]) * ((double)r[e] - q[e]);
        }
        double c = nr > 0 && nq > 0 ? dot / std::sqrt(nr * nq) : (nr == nq ? 1.0 : 0.0);
        out.minCosine = std::min(out.minCosine, c);
        sumCos += c;
        signal += nr;
        noise += err;
        ++count;
      }
      if (rows) {
        top1.clear();
        argmaxRows((const float *)runner.outputs[0].data(), top1);
        for (size_t r = 0; r < rows; ++r) {
          size_t at = s * rows + r;
          if (reference)
            refTop1.push_back(top1[r]);
          agree += top1[r] == refTop1[at];
          if (!labels.empty())
            correct += top1[r] == labels[at];
        }
      }
    }
    out.meanCosine = count ? sumCos / (double)count : 1.0;
    out.sqnr = noise > 0 ? 10 * std::log10(signal / noise) : 999.0;
    if (rows) {
      out.agreement = (double)agree / (double)(rows * samples.size());
      if (!labels.empty())
        out.accuracy = (double)correct / (double)(rows * samples.size());
    }
    return out;
  }
};

double flopsOf(const std::vector<Contraction> &cs, const std::vector<ProbeGroup> &gs,
               const std::vector<int64_t> &kept) {
  double total = 0;
  for (const Contraction &c : cs) {
    double f = (double)c.flops;
    for (int64_t g : c.groups)
      f *= (double)kept[g] / (double)gs[g].channels;
    total += f;
  }
  return total;
}

std::string percent(double x) { return fmt::format("{:.1f}%", 100.0 * x); }

} // namespace

LogicalResult CompileSession::searchPruning(ModuleOp module, const CompileOptions &o,
                                            std::vector<std::string> &ratios,
                                            nlohmann::ordered_json &out, std::string &error) {
  bool autoMode = o.prune == "structured:auto";
  if (!autoMode && o.prune.rfind("structured:", 0) != 0)
    return fail(error, "--prune-sensitivity measures structured pruning: give --prune "
                       "structured:R or structured:auto");
  if (o.optLevel < 1)
    return fail(error, "--prune needs -O1 or above");
  if (o.calib.empty())
    return fail(error, std::string(autoMode             ? "--prune structured:auto"
                                   : o.pruneSensitivity ? "--prune-sensitivity"
                                                        : "--prune-criterion act") +
                           " needs calibration samples (--calib)");
  double target = -1;
  bool latencyTarget = false;
  if (!o.pruneTarget.empty()) {
    auto [kind, value] = llvm::StringRef(o.pruneTarget).split('=');
    latencyTarget = kind == "latency";
    if ((kind != "flops" && !latencyTarget) || value.getAsDouble(target) || !(target > 0) ||
        !(target < 1))
      return fail(error, "--prune-target takes flops=F or latency=F, F the fraction of FLOPs or "
                         "of this machine's latency removed in (0, 1), got '" +
                             o.pruneTarget + "'");
    if (latencyTarget && o.target != "host")
      return fail(error, "--prune-target latency=F times the model on this machine: it needs "
                         "--target host (use flops=F for " +
                             o.target + ")");
  }
  std::string budgetKind;
  double budget = 0;
  if (!o.pruneBudget.empty()) {
    auto [kind, value] = llvm::StringRef(o.pruneBudget).split('=');
    budgetKind = kind.str();
    bool bad = value.getAsDouble(budget);
    if (budgetKind == "cosine")
      bad = bad || !(budget > -1 && budget <= 1);
    else if (budgetKind == "accuracy")
      bad = bad || !(budget >= 0 && budget <= 1);
    else
      bad = true;
    if (bad)
      return fail(error, "--prune-budget takes cosine=C (C in (-1, 1]) or accuracy=D (the top-1 "
                         "accuracy lost on --calib-labels at most, D in [0, 1]), got '" +
                             o.pruneBudget + "'");
    if (budgetKind == "accuracy" && o.calibLabels.empty())
      return fail(error, "--prune-budget accuracy=D needs the samples' labels (--calib-labels)");
  }
  if (autoMode && target < 0 && budgetKind.empty())
    return fail(error, "--prune structured:auto needs --prune-target flops=F, --prune-budget "
                       "cosine=C / accuracy=D, or both");
  if (!autoMode && (target >= 0 || !budgetKind.empty()))
    return fail(error, "--prune-target and --prune-budget choose per-group ratios: give --prune "
                       "structured:auto");
  std::vector<double> levels = o.pruneLevels;
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  if (levels.empty() || levels.front() <= 0 || levels.back() >= 1)
    return fail(error, "--prune-levels takes ratios in (0, 1)");

  // 1. The probe, compiled for this machine.
  OwningOpRef<ModuleOp> probe = module.clone();
  PruneStructuredOptions s;
  s.ratio = 0;
  s.criterion = o.pruneCriterion;
  s.align = o.pruneAlign;
  s.exclude.assign(o.pruneExclude.begin(), o.pruneExclude.end());
  s.probe = true;
  // The graph pipeline with `options` on `m`; the real compile prints the
  // groups left alone, the search's models stay quiet.
  auto runGraph = [&](ModuleOp m, const PruneStructuredOptions &options) {
    GraphPipelineOptions graph;
    graph.pruneStructured = options;
    ScopedDiagnosticHandler quiet(&context(), [](Diagnostic &diag) {
      return success(diag.getSeverity() == DiagnosticSeverity::Remark);
    });
    PassManager pm(&context());
    buildGraphOptimizationPipeline(pm, graph);
    return pm.run(m);
  };
  if (failed(runGraph(*probe, s)))
    return failure();
  s.probe = false;
  auto probeAttr = (*probe)->getAttrOfType<DictionaryAttr>(kPruneProbe);
  if (!probeAttr)
    return fail(error, "pruning probe: the pass recorded no groups");
  (*probe)->removeAttr(kPruneProbe);
  std::vector<ProbeGroup> groups;
  for (auto d : cast<ArrayAttr>(probeAttr.get("groups")).getAsRange<DictionaryAttr>()) {
    ProbeGroup g;
    for (auto n : cast<ArrayAttr>(d.get("nodes")).getAsRange<StringAttr>())
      g.nodes.push_back(n.str());
    g.channels = cast<IntegerAttr>(d.get("channels")).getInt();
    g.arg = cast<IntegerAttr>(d.get("arg")).getInt();
    for (auto i : cast<ArrayAttr>(d.get("order")).getAsRange<IntegerAttr>())
      g.order.push_back(i.getInt());
    auto norms = cast<DenseF64ArrayAttr>(d.get("weight_norms")).asArrayRef();
    g.weightNorms.assign(norms.begin(), norms.end());
    groups.push_back(std::move(g));
  }
  std::vector<Contraction> contractions;
  for (auto d : cast<ArrayAttr>(probeAttr.get("contractions")).getAsRange<DictionaryAttr>()) {
    Contraction c{cast<IntegerAttr>(d.get("flops")).getInt(), {}};
    for (auto i : cast<ArrayAttr>(d.get("groups")).getAsRange<IntegerAttr>())
      c.groups.push_back(i.getInt());
    contractions.push_back(std::move(c));
  }
  // A group is chosen by its first producer's name (the pass's `ratios`),
  // which must name no other group's producer.
  llvm::StringMap<int> names;
  for (ProbeGroup &g : groups)
    for (const std::string &n : g.nodes)
      ++names[n];
  for (ProbeGroup &g : groups)
    if (names[g.nodes.front()] > 1) {
      g.searchable = false;
      llvm::errs() << "autoglm-compile: remark: the channel group of '" << g.nodes.front()
                   << "' is not searched: another group's producer has the same ONNX name\n";
    }

  ScratchDir scratch;
  std::string probePath;
  if (failed(scratch.create("autoglm-prune", error)) ||
      failed(compileForHost(*probe, o, scratch.path, "pruning probe", probePath, error)))
    return failure();

  // 2. The samples, the labels and the unpruned reference.
  Evaluator ev;
  ev.groups = &groups;
  ev.masks.resize(groups.size());
  ev.act.resize(groups.size());
  if (failed(ev.runner.open(probePath, groups.size(), error)))
    return failure();
  autoglm_model *m = ev.runner.model;
  size_t modelInputs = autoglm_model_num_inputs(m) - groups.size();
  for (size_t g = 0; g < groups.size(); ++g)
    if (groups[g].arg < (int64_t)modelInputs ||
        std::string(autoglm_model_input_name(m, groups[g].arg)) !=
            "autoglm.prune_mask." + std::to_string(g))
      return fail(error, "pruning probe: the mask inputs are not the artifact's last inputs");
  if (failed(readSamples(o.calib, inputSpecs(m, modelInputs), ev.samples, error)))
    return failure();
  if (ev.samples.empty())
    return fail(error, "calibration set '" + o.calib + "' holds no samples");
  ev.floatOutputs = ev.runner.comparableOutputs();
  if (ev.floatOutputs.empty())
    return fail(error, "pruning measures the model's float outputs of fixed shape, and it has "
                       "none (an output whose extents depend on the data is not compared)");
  if (!ev.floatOutputs.empty() && ev.floatOutputs[0] == 0 && autoglm_model_output_rank(m, 0) > 0) {
    size_t rank = autoglm_model_output_rank(m, 0);
    ev.classes = autoglm_model_output_shape(m, 0)[rank - 1];
    if (ev.classes >= 2)
      ev.rows = autoglm_model_output_bytes(m, 0) / 4 / ev.classes;
  }
  if (!o.calibLabels.empty()) {
    if (!ev.rows)
      return fail(error, "--calib-labels: output 0 is not a float tensor of class scores");
    if (failed(readLabels(o.calibLabels, ev.rows * ev.samples.size(), ev.labels, error)))
      return failure();
  }
  std::vector<int64_t> full(groups.size());
  for (size_t g = 0; g < groups.size(); ++g)
    full[g] = groups[g].channels;
  FailureOr<Metrics> base = ev.evaluate(full, error);
  if (failed(base))
    return failure();
  double flops0 = flopsOf(contractions, groups, full);
  if (o.pruneCriterion == "act") {
    // The act criterion: channel c of a group scores sqrt(E[x_c^2]) at its
    // consumers times the norm of the weight columns reading it, i.e. how
    // much it feeds the consumers' outputs on these samples. The masks
    // follow it, and the real pass reads the same scores.
    Builder b(&context());
    SmallVector<NamedAttribute> scores;
    for (size_t g = 0; g < groups.size(); ++g) {
      ProbeGroup &pg = groups[g];
      std::vector<double> score(pg.channels);
      for (int64_t c = 0; c < pg.channels; ++c)
        score[c] = std::sqrt(ev.act[g][c] / (double)ev.samples.size()) * pg.weightNorms[c];
      std::iota(pg.order.begin(), pg.order.end(), 0);
      std::stable_sort(pg.order.begin(), pg.order.end(),
                       [&](int64_t x, int64_t y) { return score[x] > score[y]; });
      if (pg.searchable)
        scores.push_back(b.getNamedAttr(pg.nodes.front(), b.getDenseF64ArrayAttr(score)));
    }
    module->setAttr(kPruneScores, b.getDictionaryAttr(scores));
    llvm::errs() << "autoglm-compile: criterion act: " << scores.size()
                 << " channel groups scored on " << ev.samples.size() << " samples\n";
  }
  if (!autoMode && !o.pruneSensitivity)
    return success();

  // 3. Sensitivity: each group alone at each level.
  size_t searchable = llvm::count_if(groups, [](const ProbeGroup &g) { return g.searchable; });
  llvm::errs() << "autoglm-compile: pruning sensitivity: " << searchable << " channel groups x "
               << levels.size() << " levels on " << ev.samples.size() << " samples\n";
  nlohmann::ordered_json sensitivity = nlohmann::ordered_json::array();
  size_t done = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    ProbeGroup &pg = groups[g];
    if (!pg.searchable)
      continue;
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    int64_t last = pg.channels;
    for (double r : levels) {
      int64_t k = keptChannels(pg.channels, r, o.pruneAlign);
      if (k >= last)
        continue;
      last = k;
      std::vector<int64_t> kept = full;
      kept[g] = k;
      FailureOr<Metrics> mt = ev.evaluate(kept, error);
      if (failed(mt))
        return failure();
      nlohmann::ordered_json j = {
          {"ratio", r},
          {"kept", k},
          {"flops_removed", 1.0 - flopsOf(contractions, groups, kept) / std::max(flops0, 1.0)}};
      j.update(mt->json());
      points.push_back(j);
      pg.points.push_back({r, k, 1.0 - mt->meanCosine, j});
    }
    ++done;
    std::string worst = pg.points.empty()
                            ? std::string("no level removes a channel")
                            : fmt::format("mean cosine {:.4f} keeping {} of {}",
                                          pg.points.back().json["mean_cosine"].get<double>(),
                                          pg.points.back().kept, pg.channels);
    llvm::errs() << fmt::format("autoglm-compile: pruning sensitivity {}/{}: '{}': {}\n", done,
                                searchable, pg.nodes.front(), worst);
    sensitivity.push_back({{"node", pg.nodes.front()},
                           {"nodes", pg.nodes},
                           {"channels", pg.channels},
                           {"points", points}});
  }
  out["search"] = {{"samples", ev.samples.size()},           {"levels", levels},
                   {"criterion", o.pruneCriterion},          {"align", o.pruneAlign},
                   {"flops", (int64_t)std::llround(flops0)}, {"unpruned", base->json()}};
  out["sensitivity"] = sensitivity;
  if (!autoMode)
    return success();

  // 4. The greedy path: from the unpruned model, each step takes a group
  // one level deeper, the one that removes FLOPs for the least sensitivity
  // (1 - its mean output cosine alone at that level) lost per FLOP
  // (with the other groups as they stand: a conv between two pruned groups
  // loses FLOPs on both sides).
  std::vector<int> at(groups.size(), -1);
  auto keptOf = [&](const std::vector<int> &state) {
    std::vector<int64_t> kept = full;
    for (size_t g = 0; g < groups.size(); ++g)
      if (state[g] >= 0)
        kept[g] = groups[g].points[state[g]].kept;
    return kept;
  };
  std::vector<std::vector<int>> path{at};
  while (true) {
    double bestScore = INFINITY, now = flopsOf(contractions, groups, keptOf(at));
    int bestGroup = -1, bestLevel = -1;
    for (size_t g = 0; g < groups.size(); ++g) {
      double lossNow = at[g] >= 0 ? groups[g].points[at[g]].loss : 0.0;
      // One level at a time: a finer path for the budget's bisection.
      for (int l = at[g] + 1; l < (int)groups[g].points.size() && l <= at[g] + 1; ++l) {
        std::vector<int> next = at;
        next[g] = l;
        double removed = now - flopsOf(contractions, groups, keptOf(next));
        if (removed <= 0)
          continue;
        double score = (std::max(0.0, groups[g].points[l].loss - lossNow) + 1e-12) / removed;
        if (score < bestScore) {
          bestScore = score;
          bestGroup = (int)g;
          bestLevel = l;
        }
      }
    }
    if (bestGroup < 0)
      break;
    at[bestGroup] = bestLevel;
    path.push_back(at);
  }

  // 5. The point of the path: the first that reaches the target, or the
  // furthest that keeps the budget (bisection; each point measured).
  nlohmann::ordered_json evaluations = nlohmann::ordered_json::array();
  std::map<size_t, bool> met;
  std::map<size_t, Metrics> measured;
  auto check = [&](size_t i) -> FailureOr<bool> {
    if (met.count(i))
      return met[i];
    std::vector<int64_t> kept = keptOf(path[i]);
    FailureOr<Metrics> mt = ev.evaluate(kept, error);
    if (failed(mt))
      return failure();
    double f = flopsOf(contractions, groups, kept);
    bool ok = budgetKind.empty()       ? true
              : budgetKind == "cosine" ? mt->minCosine >= budget
                                       : mt->accuracy >= base->accuracy - budget - 1e-12;
    nlohmann::ordered_json e = {{"step", i}, {"flops_removed", 1.0 - f / std::max(flops0, 1.0)}};
    e.update(mt->json());
    e["met"] = ok;
    evaluations.push_back(e);
    llvm::errs() << fmt::format(
        "autoglm-compile: pruning allocation: step {}/{}: {} of FLOPs "
        "removed, min cosine {:.4f}{}{}\n",
        i, path.size() - 1, percent(1.0 - f / std::max(flops0, 1.0)), mt->minCosine,
        mt->accuracy >= 0 ? fmt::format(", accuracy {:.4f}", mt->accuracy) : std::string(),
        budgetKind.empty() ? "" : (ok ? " (budget met)" : " (budget missed)"));
    measured[i] = *mt;
    return met[i] = ok;
  };
  auto ratiosOf = [&](const std::vector<int> &state) {
    std::vector<std::string> r;
    for (size_t g = 0; g < groups.size(); ++g)
      if (state[g] >= 0)
        r.push_back(groups[g].nodes.front() + "=" +
                    fmt::format("{}", groups[g].points[state[g]].ratio));
    return r;
  };
  // A latency target: the path's points pruned for real, compiled for this
  // machine and timed on one thread against the unpruned model, rounds of
  // the two alternating (5 rounds over up to 8 samples each, after two
  // warm-up runs; medians): the first point whose time is at most 1 - F of
  // the unpruned one, found by bisection.
  struct Timing {
    double ms, unprunedMs, ratio;
  };
  std::map<size_t, Timing> latencies;
  auto none = [](size_t, const float *, size_t) {};
  size_t timedSamples = std::min<size_t>(8, ev.samples.size());
  auto compileReal = [&](size_t i, std::unique_ptr<CalibrationRunner> &runner) -> LogicalResult {
    OwningOpRef<ModuleOp> m = module.clone();
    PruneStructuredOptions real = s;
    std::vector<std::string> r = ratiosOf(path[i]);
    real.ratios.assign(r.begin(), r.end());
    if (failed(runGraph(*m, real)))
      return failure();
    for (const char *attr : {"autoglm.prune_report", "autoglm.prune_edits", "autoglm.counts"})
      (*m)->removeAttr(attr);
    std::string dir;
    if (failed(compileForHost(*m, o, scratch.path, "latency-" + std::to_string(i), dir, error)))
      return failure();
    runner = std::make_unique<CalibrationRunner>();
    // One thread: two threads' latency on a shared 2-vCPU machine varies
    // by 2x from run to run (issue 16), one thread's does not.
    if (failed(runner->open(dir, 0, error, /*threads=*/1)))
      return failure();
    for (int k = 0; k < 2; ++k)
      if (failed(runner->run(ev.samples[0], none, error)))
        return failure();
    return success();
  };
  auto timeRound = [&](CalibrationRunner &r, std::vector<double> &times) -> LogicalResult {
    for (size_t k = 0; k < timedSamples; ++k) {
      auto t0 = std::chrono::steady_clock::now();
      if (failed(r.run(ev.samples[k], none, error)))
        return failure();
      times.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    return success();
  };
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  std::unique_ptr<CalibrationRunner> unprunedRunner;
  auto latencyOf = [&](size_t i) -> FailureOr<double> {
    if (latencies.count(i))
      return latencies[i].ratio;
    if (!unprunedRunner && failed(compileReal(0, unprunedRunner)))
      return failure();
    std::unique_ptr<CalibrationRunner> candidate;
    if (i > 0 && failed(compileReal(i, candidate)))
      return failure();
    std::vector<double> a, b;
    for (int round = 0; round < 5; ++round)
      if (failed(timeRound(*unprunedRunner, a)) ||
          failed(timeRound(candidate ? *candidate : *unprunedRunner, b)))
        return failure();
    Timing t{median(b), median(a), median(b) / median(a)};
    llvm::errs() << fmt::format("autoglm-compile: pruning allocation: step {}/{} compiled: {:.3f} "
                                "ms per run on one thread, unpruned {:.3f} ms ({:.2f}x)\n",
                                i, path.size() - 1, t.ms, t.unprunedMs, t.unprunedMs / t.ms);
    latencies[i] = t;
    return t.ratio;
  };
  size_t chosen = 0;
  std::string budgetText = budgetKind.empty() ? "" : o.pruneBudget;
  // The point that reaches the target, measured, misses the budget.
  auto missed = [&](size_t i) {
    return fail(error,
                fmt::format("--prune-target {} misses --prune-budget {}: the allocation that "
                            "reaches it measures min cosine {:.4f}{} on the calibration "
                            "samples (see the sensitivity lines above; a lower target, a looser "
                            "budget, or fine-tuning as docs/pruning.md shows)",
                            o.pruneTarget, o.pruneBudget, measured[i].minCosine,
                            measured[i].accuracy >= 0
                                ? fmt::format(", accuracy {:.4f} (unpruned {:.4f})",
                                              measured[i].accuracy, base->accuracy)
                                : std::string()));
  };
  if (target >= 0 && latencyTarget) {
    FailureOr<double> latEnd = latencyOf(path.size() - 1);
    if (failed(latEnd))
      return failure();
    double want = 1.0 - target;
    if (*latEnd > want)
      return fail(error,
                  fmt::format("--prune-target {} is out of reach: with every searchable "
                              "group at its deepest level the model runs in {:.3f} ms on "
                              "one thread, unpruned {:.3f} ms ({} less)",
                              o.pruneTarget, latencies[path.size() - 1].ms,
                              latencies[path.size() - 1].unprunedMs, percent(1.0 - *latEnd)));
    // Still slower than the target at lo, fast enough at hi.
    size_t lo = 0, hi = path.size() - 1;
    if (failed(bisect(lo, hi, [&](size_t mid) -> FailureOr<bool> {
          FailureOr<double> lat = latencyOf(mid);
          if (failed(lat))
            return failure();
          return *lat > want;
        })))
      return failure();
    FailureOr<bool> ok = check(hi);
    if (failed(ok))
      return failure();
    if (!*ok)
      return missed(hi);
    chosen = hi;
  } else if (target >= 0) {
    size_t i = 0;
    while (i < path.size() &&
           flopsOf(contractions, groups, keptOf(path[i])) > (1.0 - target) * flops0 + 0.5)
      ++i;
    if (i == path.size())
      return fail(error, "--prune-target " + o.pruneTarget +
                             " is out of reach: with every "
                             "searchable group at its deepest level (--prune-levels up to " +
                             fmt::format("{}", levels.back()) + ") the FLOPs fall by " +
                             percent(1.0 - flopsOf(contractions, groups, keptOf(path.back())) /
                                               std::max(flops0, 1.0)) +
                             " (groups left alone are named in the remarks)");
    FailureOr<bool> ok = check(i);
    if (failed(ok))
      return failure();
    if (!*ok)
      return missed(i);
    chosen = i;
  } else {
    size_t lo = 0, hi = path.size() - 1;
    met[0] = true; // The unpruned model keeps any budget.
    measured[0] = *base;
    FailureOr<bool> ok = check(hi);
    if (failed(ok))
      return failure();
    if (*ok)
      lo = hi;
    else if (failed(bisect(lo, hi, check)))
      return failure();
    chosen = lo;
  }

  nlohmann::ordered_json chosenGroups = nlohmann::ordered_json::array();
  ratios = ratiosOf(path[chosen]);
  for (size_t g = 0; g < groups.size(); ++g) {
    int l = path[chosen][g];
    if (l < 0)
      continue;
    const ProbeGroup::Point &p = groups[g].points[l];
    chosenGroups.push_back({{"node", groups[g].nodes.front()},
                            {"channels", groups[g].channels},
                            {"kept", p.kept},
                            {"ratio", p.ratio}});
  }
  double f = flopsOf(contractions, groups, keptOf(path[chosen]));
  out["allocation"] = {{"target", o.pruneTarget},
                       {"budget", budgetText},
                       {"path_steps", path.size() - 1},
                       {"chosen_step", chosen},
                       {"flops_removed", 1.0 - f / std::max(flops0, 1.0)},
                       {"evaluations", evaluations},
                       {"groups", chosenGroups}};
  if (measured.count(chosen))
    out["allocation"]["measured"] = measured[chosen].json();
  if (!latencies.empty()) {
    nlohmann::ordered_json timed = nlohmann::ordered_json::array();
    for (auto &[i, t] : latencies)
      timed.push_back({{"step", i}, {"ms", t.ms}, {"unpruned_ms", t.unprunedMs}});
    out["allocation"]["latency"] = {
        {"threads", 1},
        {"ms", latencies[chosen].ms},
        {"unpruned_ms", latencies[chosen].unprunedMs},
        {"speedup", latencies[chosen].unprunedMs / latencies[chosen].ms},
        {"timed", timed}};
  }
  // The baseline a user would otherwise take: one ratio for every group,
  // the smallest that removes as many FLOPs, measured the same way.
  double removedChosen = flops0 - f;
  auto uniform = [&](double r) {
    std::vector<int64_t> kept = full;
    for (size_t g = 0; g < groups.size(); ++g)
      if (groups[g].searchable)
        kept[g] = keptChannels(groups[g].channels, r, o.pruneAlign);
    return kept;
  };
  if (removedChosen > 0 &&
      flops0 - flopsOf(contractions, groups, uniform(levels.back())) >= removedChosen) {
    double lo = 0, hi = levels.back();
    for (int i = 0; i < 40; ++i) {
      double mid = (lo + hi) / 2;
      (flops0 - flopsOf(contractions, groups, uniform(mid)) >= removedChosen ? hi : lo) = mid;
    }
    FailureOr<Metrics> mt = ev.evaluate(uniform(hi), error);
    if (failed(mt))
      return failure();
    nlohmann::ordered_json u = {
        {"ratio", hi},
        {"flops_removed", 1.0 - flopsOf(contractions, groups, uniform(hi)) / flops0}};
    u.update(mt->json());
    out["allocation"]["uniform"] = u;
    llvm::errs() << fmt::format("autoglm-compile: pruning allocation: one ratio for every group "
                                "({:.3f}) would remove {} of FLOPs at min cosine {:.4f}{}\n",
                                hi, percent(u["flops_removed"].get<double>()), mt->minCosine,
                                mt->accuracy >= 0 ? fmt::format(", accuracy {:.4f}", mt->accuracy)
                                                  : std::string());
  }
  llvm::errs() << fmt::format("autoglm-compile: pruning allocation: {} of {} groups pruned, {} "
                              "of FLOPs removed ({} probe runs)\n",
                              chosenGroups.size(), searchable,
                              percent(1.0 - f / std::max(flops0, 1.0)), ev.evaluations);
  return success();
}
