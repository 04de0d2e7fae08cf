//===- ReportHTML.cpp - the compile report as a self-contained page -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// One HTML file with inline CSS and SVG charts (no scripts, nothing
// fetched): what the graph passes did, for a pruned model each layer's
// weights and FLOPs before and after, and for a quantized model each
// layer's input range, scales and weight SQNR. It renders the same JSON
// that --report writes, so the two never disagree.
//===----------------------------------------------------------------------===//

#include "autoglm/Compiler/Session.h"
#include "autoglm/Support/HTML.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::autoglm;
using json = nlohmann::ordered_json;

namespace {

std::string str(const json &j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

/// A horizontal bar chart: one labelled bar per value, an optional dashed
/// reference line (`ref` in the values' unit).
std::string barChart(const std::vector<std::string> &labels, const std::vector<double> &values,
                     const std::string &unit, double ref = NAN) {
  const int rowH = 22, labelW = 300, barW = 420, top = 10;
  double maxV = 0;
  for (double v : values)
    maxV = std::max(maxV, v);
  if (!std::isnan(ref))
    maxV = std::max(maxV, ref);
  if (maxV <= 0)
    maxV = 1;
  int h = top + rowH * (int)values.size() + 20;
  std::string s =
      fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' role='img'>\n",
                  labelW + barW + 90, h);
  for (size_t i = 0; i < values.size(); ++i) {
    int y = top + rowH * (int)i;
    int w = (int)std::round(barW * std::max(0.0, values[i]) / maxV);
    s += fmt::format("<text x='{}' y='{}' text-anchor='end' class='l'>{}</text>", labelW - 6,
                     y + 15, ::autoglm::htmlEscape(labels[i]));
    s += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' class='b'/>", labelW, y + 3, w,
                     rowH - 6);
    s += fmt::format("<text x='{}' y='{}' class='v'>{:.4g} {}</text>\n", labelW + w + 4, y + 15,
                     values[i], ::autoglm::htmlEscape(unit));
  }
  if (!std::isnan(ref)) {
    int x = labelW + (int)std::round(barW * ref / maxV);
    s += fmt::format("<line x1='{0}' x2='{0}' y1='{1}' y2='{2}' class='r'/>"
                     "<text x='{0}' y='{3}' class='v'>{4:.3g} {5}</text>\n",
                     x, top, h - 16, h - 4, ref, ::autoglm::htmlEscape(unit));
  }
  return s + "</svg>\n";
}

/// Each layer's calibrated input range as a bar from lo to hi on one axis.
std::string rangeChart(const json &layers) {
  const int rowH = 22, labelW = 300, barW = 420, top = 10;
  double lo = 0, hi = 0;
  for (const json &l : layers) {
    lo = std::min(lo, l["input_range"][0].get<double>());
    hi = std::max(hi, l["input_range"][1].get<double>());
  }
  if (hi <= lo)
    hi = lo + 1;
  auto x = [&](double v) { return labelW + (int)std::round(barW * (v - lo) / (hi - lo)); };
  int h = top + rowH * (int)layers.size() + 20;
  std::string s =
      fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' role='img'>\n",
                  labelW + barW + 120, h);
  s += fmt::format("<line x1='{0}' x2='{0}' y1='{1}' y2='{2}' class='r'/>", x(0), top, h - 16);
  for (size_t i = 0; i < layers.size(); ++i) {
    const json &l = layers[i];
    double a = l["input_range"][0].get<double>(), b = l["input_range"][1].get<double>();
    int y = top + rowH * (int)i;
    s += fmt::format("<text x='{}' y='{}' text-anchor='end' class='l'>{}</text>", labelW - 6,
                     y + 15, ::autoglm::htmlEscape(str(l["node"])));
    s += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' class='b2'/>", x(a), y + 3,
                     std::max(1, x(b) - x(a)), rowH - 6);
    s += fmt::format("<text x='{}' y='{}' class='v'>[{:.3g}, {:.3g}]</text>\n", x(b) + 4, y + 15, a,
                     b);
  }
  return s + "</svg>\n";
}

/// Two bars per label, before (light) and after (dark), on one scale.
std::string pairChart(const std::vector<std::string> &labels, const std::vector<double> &before,
                      const std::vector<double> &after, const std::string &unit) {
  const int rowH = 30, labelW = 300, barW = 420, top = 10;
  double maxV = 1;
  for (double v : before)
    maxV = std::max(maxV, v);
  int h = top + rowH * (int)labels.size() + 10;
  std::string s =
      fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' role='img'>\n",
                  labelW + barW + 160, h);
  for (size_t i = 0; i < labels.size(); ++i) {
    int y = top + rowH * (int)i;
    int wb = (int)std::round(barW * before[i] / maxV), wa = (int)std::round(barW * after[i] / maxV);
    s += fmt::format("<text x='{}' y='{}' text-anchor='end' class='l'>{}</text>", labelW - 6,
                     y + 17, ::autoglm::htmlEscape(labels[i]));
    s += fmt::format("<rect x='{}' y='{}' width='{}' height='11' class='b3'/>", labelW, y + 3, wb);
    s += fmt::format("<rect x='{}' y='{}' width='{}' height='11' class='b'/>", labelW, y + 15, wa);
    s += fmt::format("<text x='{}' y='{}' class='v'>{:.4g} &rarr; {:.4g} {} ({:.2f}x)</text>\n",
                     labelW + wb + 4, y + 17, before[i], after[i], ::autoglm::htmlEscape(unit),
                     after[i] > 0 ? before[i] / after[i] : 0.0);
  }
  return s + "</svg>\n";
}

/// Curves on one plot: per series (label, points (x, y)), x in [0, 1] and y
/// from the lowest point (or `yFloor`) up to 1, a legend to the right.
std::string
lineChart(const std::vector<std::pair<std::string, std::vector<std::pair<double, double>>>> &series,
          const std::string &xLabel, const std::string &yLabel, double yFloor) {
  static const char *colors[] = {"#4878b0", "#e08a3c", "#3f9a4b", "#c23b3b", "#8a63b8",
                                 "#8c5a4a", "#d46fb8", "#6d6d6d", "#b5b02f", "#2fb5c2"};
  const int left = 60, top = 12, w = 460, h = 260, legendW = 320;
  double lo = 1;
  for (auto &[label, pts] : series)
    for (auto &[x, y] : pts)
      lo = std::min(lo, y);
  lo = std::max(lo, yFloor);
  if (lo >= 1)
    lo = 0.99;
  auto px = [&](double x) { return left + (int)std::round(w * std::clamp(x, 0.0, 1.0)); };
  auto py = [&](double y) {
    return top + (int)std::round(h * (1.0 - (std::max(y, lo) - lo) / (1.0 - lo)));
  };
  int rows = (int)series.size();
  std::string s =
      fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' role='img'>\n",
                  left + w + legendW, std::max(top + h + 40, top + 16 * rows + 10));
  s += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#999'/>", left,
                   top, w, h);
  for (int t = 0; t <= 4; ++t) {
    double x = t / 4.0, y = lo + (1.0 - lo) * t / 4.0;
    s += fmt::format("<text x='{}' y='{}' text-anchor='middle' class='v'>{:.2g}</text>", px(x),
                     top + h + 14, x);
    s += fmt::format("<text x='{}' y='{}' text-anchor='end' class='v'>{:.4g}</text>", left - 4,
                     py(y) + 4, y);
  }
  s += fmt::format("<text x='{}' y='{}' text-anchor='middle' class='l'>{}</text>", left + w / 2,
                   top + h + 32, ::autoglm::htmlEscape(xLabel));
  s += fmt::format("<text x='12' y='{}' class='l' transform='rotate(-90 12 {})' "
                   "text-anchor='middle'>{}</text>\n",
                   top + h / 2, top + h / 2, ::autoglm::htmlEscape(yLabel));
  for (size_t i = 0; i < series.size(); ++i) {
    const char *c = colors[i % (sizeof(colors) / sizeof(colors[0]))];
    std::string pts;
    for (auto &[x, y] : series[i].second) {
      pts += fmt::format("{},{} ", px(x), py(y));
      s += fmt::format("<circle cx='{}' cy='{}' r='2.5' fill='{}'/>", px(x), py(y), c);
    }
    s += fmt::format("<polyline points='{}' fill='none' stroke='{}' stroke-width='1.5'/>", pts, c);
    s += fmt::format("<rect x='{}' y='{}' width='10' height='10' fill='{}'/><text x='{}' y='{}' "
                     "class='v'>{}</text>\n",
                     left + w + 12, top + 16 * (int)i, c, left + w + 26, top + 16 * (int)i + 9,
                     ::autoglm::htmlEscape(series[i].first));
  }
  return s + "</svg>\n";
}

/// Sensitivity curves and the allocation (docs/pruning.md, --prune
/// structured:auto / --prune-sensitivity).
std::string searchSection(const json &p) {
  std::string h;
  if (p.contains("sensitivity") && !p["sensitivity"].empty()) {
    std::vector<std::pair<std::string, std::vector<std::pair<double, double>>>> curves;
    for (const json &g : p["sensitivity"]) {
      std::vector<std::pair<double, double>> pts{{0.0, 1.0}};
      for (const json &pt : g["points"])
        pts.push_back({1.0 - pt["kept"].get<double>() / g["channels"].get<double>(),
                       pt["mean_cosine"].get<double>()});
      curves.push_back({str(g["node"]) + " (" + str(g["channels"]) + ")", pts});
    }
    h += fmt::format("<h2>Sensitivity: each channel group pruned alone ({} samples)</h2>\n",
                     str(p["search"]["samples"]));
    h += lineChart(curves, "fraction of the group's channels removed",
                   "mean output cosine vs unpruned", 0.0);
  }
  if (p.contains("allocation")) {
    const json &a = p["allocation"];
    h += fmt::format("<h2>Allocation</h2>\n<p class='cards'><span>target <b>{}</b></span>"
                     "<span>budget <b>{}</b></span><span>FLOPs removed <b>{:.1f}%</b></span>",
                     ::autoglm::htmlEscape(str(a["target"])),
                     ::autoglm::htmlEscape(str(a["budget"])),
                     100.0 * a["flops_removed"].get<double>());
    if (a.contains("measured"))
      h += fmt::format("<span>min cosine <b>{:.4f}</b></span>",
                       a["measured"]["min_cosine"].get<double>());
    if (a.contains("uniform"))
      h += fmt::format("<span>one ratio for all ({:.3f}): {:.1f}% removed, min cosine "
                       "{:.4f}</span>",
                       a["uniform"]["ratio"].get<double>(),
                       100.0 * a["uniform"]["flops_removed"].get<double>(),
                       a["uniform"]["min_cosine"].get<double>());
    h += "</p>\n";
    std::vector<std::string> labels;
    std::vector<double> ratios;
    for (const json &g : a["groups"]) {
      labels.push_back(str(g["node"]));
      ratios.push_back(1.0 - g["kept"].get<double>() / g["channels"].get<double>());
    }
    if (!labels.empty())
      h += "<h2>Fraction of each group's channels removed</h2>\n" +
           barChart(labels, ratios, "removed");
    std::vector<std::pair<double, double>> path;
    for (const json &e : a["evaluations"])
      path.push_back({e["flops_removed"].get<double>(), e["min_cosine"].get<double>()});
    std::sort(path.begin(), path.end());
    if (!path.empty())
      h += "<h2>Points of the greedy path measured</h2>\n" +
           lineChart({{"min output cosine", path}}, "fraction of FLOPs removed",
                     "min output cosine", -1.0);
  }
  return h;
}

/// The pruning section: totals, weights and FLOPs per layer before and
/// after, and every group's or layer's decision.
std::string pruningSection(const json &p) {
  auto pair = [](const json &j) { return std::make_pair(j[0].get<double>(), j[1].get<double>()); };
  auto [wb, wa] = pair(p["nonzero"]);
  auto [fb, fa] = pair(p["flops"]);
  std::string h = fmt::format(
      "<h2>Pruning: {}</h2>\n<p class='cards'><span>nonzero weights {:.4g} &rarr; <b>{:.4g}</b> "
      "({:.2f}x fewer)</span><span>FLOPs {:.4g} &rarr; <b>{:.4g}</b> ({:.2f}x fewer)</span>"
      "<span>changed <b>{}</b>, left alone {}</span></p>\n",
      ::autoglm::htmlEscape(str(p["mode"])), wb, wa, wa > 0 ? wb / wa : 0.0, fb, fa,
      fa > 0 ? fb / fa : 0.0, str(p["changed"]), str(p["unchanged"]));
  std::vector<std::string> labels;
  std::vector<double> nb, na, flb, fla;
  for (const json &l : p["layers"]) {
    labels.push_back(str(l["node"]));
    nb.push_back(l["nonzero"][0].get<double>());
    na.push_back(l["nonzero"][1].get<double>());
    flb.push_back(l["flops"][0].get<double>());
    fla.push_back(l["flops"][1].get<double>());
  }
  if (!labels.empty()) {
    h += "<h2>Nonzero weights per layer (light: before, dark: after)</h2>\n" +
         pairChart(labels, nb, na, "weights");
    h += "<h2>FLOPs per layer (light: before, dark: after)</h2>\n" +
         pairChart(labels, flb, fla, "FLOPs");
    h += "<table><tr><th>node</th><th>op</th><th>weight shape</th><th>nonzero</th>"
         "<th>density</th><th>FLOPs</th></tr>\n";
    for (const json &l : p["layers"]) {
      auto shape = [](const json &s) {
        std::string out;
        for (const json &d : s)
          out += (out.empty() ? "" : "x") + str(d);
        return out;
      };
      double total = l["weights"][1].get<double>();
      h += fmt::format("<tr><td class='n'>{}</td><td class='n'>{}</td><td>{} &rarr; {}</td>"
                       "<td>{} &rarr; {}</td><td>{:.1f}%</td><td>{} &rarr; {}</td></tr>\n",
                       ::autoglm::htmlEscape(str(l["node"])), ::autoglm::htmlEscape(str(l["op"])),
                       shape(l["weight_shape"][0]), shape(l["weight_shape"][1]),
                       str(l["nonzero"][0]), str(l["nonzero"][1]),
                       total > 0 ? 100.0 * l["nonzero"][1].get<double>() / total : 0.0,
                       str(l["flops"][0]), str(l["flops"][1]));
    }
    h += "</table>\n";
  }
  h += "<h2>Decisions</h2>\n<table><tr><th>kind</th><th>nodes</th><th>channels or weights</th>"
       "<th>kept or zeroed</th><th>why left alone</th></tr>\n";
  for (const json &d : p["decisions"]) {
    std::string nodes;
    if (d.contains("nodes"))
      for (const json &n : d["nodes"])
        nodes += (nodes.empty() ? "" : ", ") + str(n);
    else
      nodes = str(d.value("node", json("")));
    bool structured = d.contains("channels");
    h += fmt::format("<tr><td class='n'>{}</td><td class='n'>{}</td><td>{}</td><td>{}</td>"
                     "<td class='n'>{}</td></tr>\n",
                     ::autoglm::htmlEscape(str(d["kind"])), ::autoglm::htmlEscape(nodes),
                     str(structured ? d["channels"] : d.value("weights", json(0))),
                     structured ? str(d["kept"]) + " kept"
                                : str(d.value("zeros", json(0))) + " zeroed",
                     ::autoglm::htmlEscape(str(d.value("reason", json("")))));
  }
  return h + "</table>\n";
}

} // namespace

std::string mlir::autoglm::renderReportHTML(const nlohmann::ordered_json &report) {
  std::string title = "autoglm-compile report: " + str(report.value("model", json("model")));
  std::string h = "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n<title>" +
                  ::autoglm::htmlEscape(title) +
                  "</title>\n<style>\n"
                  "body{font:14px sans-serif;margin:24px;color:#222;max-width:1000px}"
                  "h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
                  "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
                  "text-align:right}th{background:#f3f3f3}td.n{text-align:left}"
                  ".l{font-size:12px}.v{font-size:11px;fill:#444}.b{fill:#4878b0}"
                  ".b2{fill:#e08a3c}.b3{fill:#b9cde6}.r{stroke:#b03030;stroke-dasharray:4 3}"
                  ".cards span{display:inline-block;margin-right:24px}\n"
                  "</style></head><body>\n<h1>" +
                  ::autoglm::htmlEscape(title) + "</h1>\n";
  const json &before = report.value("before", json::object());
  const json &after = report.value("after", json::object());
  auto num = [](const json &j, const char *k) { return j.contains(k) ? j[k].get<double>() : 0.0; };
  double cb = num(before, "constant_bytes"), ca = num(after, "constant_bytes");
  h += fmt::format("<p class='cards'><span>target <b>{}</b></span><span>-O{}</span>"
                   "<span>ops {} &rarr; <b>{}</b></span>"
                   "<span>constant bytes {} &rarr; <b>{}</b> ({:.2f}x)</span></p>\n",
                   ::autoglm::htmlEscape(str(report.value("target", json("host")))),
                   str(report.value("opt_level", json(2))), num(before, "ops"), num(after, "ops"),
                   cb, ca, cb > 0 ? ca / cb : 1.0);

  if (report.contains("passes") && !report["passes"].empty()) {
    h += "<h2>Graph passes: ops after each</h2>\n";
    std::vector<std::string> labels;
    std::vector<double> ops;
    for (const json &p : report["passes"]) {
      labels.push_back(str(p["pass"]));
      ops.push_back(p["ops"].get<double>());
    }
    h += barChart(labels, ops, "ops");
    h += "<table><tr><th>pass</th><th>ms</th><th>ops after</th></tr>\n";
    for (const json &p : report["passes"])
      h += fmt::format("<tr><td class='n'>{}</td><td>{:.2f}</td><td>{}</td></tr>\n",
                       ::autoglm::htmlEscape(str(p["pass"])), p["ms"].get<double>(), str(p["ops"]));
    h += "</table>\n";
  }
  if (report.contains("patterns") && !report["patterns"].empty()) {
    h += "<h2>Patterns</h2>\n<table><tr><th>pattern</th><th>count</th></tr>\n";
    for (auto it = report["patterns"].begin(); it != report["patterns"].end(); ++it)
      h += fmt::format("<tr><td class='n'>{}</td><td>{}</td></tr>\n",
                       ::autoglm::htmlEscape(it.key()), str(it.value()));
    h += "</table>\n";
  }
  if (report.contains("pruning"))
    h += pruningSection(report["pruning"]) + searchSection(report["pruning"]);
  if (report.contains("quantization")) {
    const json &q = report["quantization"];
    const json &layers = q.value("layers", json::array());
    h += fmt::format("<h2>Quantization: {} ({} calibration, {} samples)</h2>\n",
                     ::autoglm::htmlEscape(str(q.value("mode", json("")))),
                     ::autoglm::htmlEscape(str(q.value("method", json("")))),
                     str(q.value("samples", json(0))));
    if (!q.value("excluded", json::array()).empty()) {
      h += "<p>kept fp32 (--exclude):";
      for (const json &e : q["excluded"])
        h += " <code>" + ::autoglm::htmlEscape(str(e)) + "</code>";
      h += "</p>\n";
    }
    // Static int8 layers carry their calibrated input; weight-only ones
    // (weight-int8 / int4) their weight SQNR and bits; layers an accuracy
    // budget kept in fp32 only their name.
    auto num = [](const json &l, const char *key) {
      return l.contains(key) && l[key].is_number() ? fmt::format("{:.4g}", l[key].get<double>())
                                                   : std::string("-");
    };
    std::vector<std::string> labels;
    std::vector<double> sqnr;
    json ranged = json::array();
    for (const json &l : layers) {
      const char *key = l.contains("w_sqnr_db") ? "w_sqnr_db" : "weight_sqnr_db";
      if (l.contains(key) && l[key].is_number()) {
        labels.push_back(str(l.value("node", json(""))));
        sqnr.push_back(l[key].get<double>());
      }
      if (l.contains("input_range") && l["input_range"].is_array() && l["input_range"].size() == 2)
        ranged.push_back(l);
    }
    if (!labels.empty()) {
      h += "<h2>Weight SQNR per layer (higher is better)</h2>\n";
      h += barChart(labels, sqnr, "dB", 30.0);
    }
    if (!ranged.empty())
      h += "<h2>Calibrated input range per layer</h2>\n" + rangeChart(ranged);
    if (q.contains("sensitivity") && q["sensitivity"].is_array() && !q["sensitivity"].empty()) {
      h += "<h2>Sensitivity: each layer's output SQNR when it alone is int8 (lower is more "
           "sensitive)</h2>\n";
      std::vector<std::string> sl;
      std::vector<double> sv;
      for (const json &s : q["sensitivity"]) {
        sl.push_back(str(s.value("node", json(""))));
        sv.push_back(s.value("sqnr_db", 0.0));
      }
      h += barChart(sl, sv, "dB", 30.0);
    }
    if (q.contains("accuracy_budget")) {
      const json &b = q["accuracy_budget"];
      h += fmt::format("<h2>Accuracy budget: output cosine &gt;= {}</h2>\n<table><tr><th>fp32 "
                       "layers</th><th>min cosine</th><th>mean cosine</th></tr>\n",
                       str(b.value("min", json(0))));
      for (const json &e : b.value("evaluations", json::array()))
        h += fmt::format("<tr><td>{}</td><td>{:.6f}</td><td>{:.6f}</td></tr>\n",
                         str(e.value("fp32_layers", json(0))), e.value("min_cosine", 0.0),
                         e.value("mean_cosine", 0.0));
      h += "</table>\n";
    }
    if (!layers.empty()) {
      h += "<table><tr><th>node</th><th>op</th><th>input range</th><th>x scale</th>"
           "<th>x zero point</th><th>w scale min</th><th>w scale max</th>"
           "<th>w SQNR dB</th><th>precision</th></tr>\n";
      for (const json &l : layers) {
        std::string range = "-";
        if (l.contains("input_range") && l["input_range"].is_array() &&
            l["input_range"].size() == 2)
          range = fmt::format("[{:.4g}, {:.4g}]", l["input_range"][0].get<double>(),
                              l["input_range"][1].get<double>());
        std::string precision = l.contains("precision") ? str(l["precision"])
                                : l.contains("bits")    ? "weight int" + str(l["bits"])
                                                        : "-";
        h += fmt::format(
            "<tr><td class='n'>{}</td><td class='n'>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            ::autoglm::htmlEscape(str(l.value("node", json("")))),
            ::autoglm::htmlEscape(str(l.value("op", json("-")))), range, num(l, "x_scale"),
            l.contains("x_zero_point") ? str(l["x_zero_point"]) : "-", num(l, "w_scale_min"),
            num(l, "w_scale_max"), num(l, l.contains("w_sqnr_db") ? "w_sqnr_db" : "weight_sqnr_db"),
            ::autoglm::htmlEscape(precision));
      }
      h += "</table>\n";
    }
  }
  return h + "</body></html>\n";
}
