//===- Profile.cpp - autoglm-run --profile: time per op ------------------===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// An artifact compiled with --profile times each region of its code (the
// ops of one or several fused ONNX nodes) through the runtime. This prints
// the regions by time, groups them by ONNX op type, and writes the same as
// a self-contained HTML page with charts (docs/profiling.md).
//===----------------------------------------------------------------------===//

#include "Profile.h"
#include "autoglm/Support/HTML.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <numeric>

namespace autoglm::run {
namespace {

/// The ONNX op type of a region: the last path component of its first
/// node's name ("/layer1/layer1.0/conv1/Conv" -> "Conv"), without the
/// "_<index>" the importer appends to unnamed nodes ("Conv_12" -> "Conv").
std::string opType(const std::string &region) {
  std::string first = region.substr(0, region.find(" + "));
  std::string last = first.substr(first.rfind('/') == std::string::npos ? 0 : first.rfind('/') + 1);
  size_t us = last.rfind('_');
  if (us != std::string::npos && us + 1 < last.size() &&
      std::all_of(last.begin() + us + 1, last.end(),
                  [](unsigned char c) { return std::isdigit(c); }))
    last.resize(us);
  // Names such as "Conv.3" or "MatMul 12": the leading word.
  size_t end = 0;
  while (end < last.size() && (std::isalnum((unsigned char)last[end]) || last[end] == '_'))
    ++end;
  return end ? last.substr(0, end) : std::string("(other)");
}

/// A region's name for the table: its first node, then the op types of the
/// nodes fused into it ("/l1/conv1/Conv + BatchNormalization + Relu").
std::string shortName(const std::string &region) {
  std::string out;
  size_t start = 0;
  for (;;) {
    size_t end = region.find(" + ", start);
    std::string part = region.substr(start, end == std::string::npos ? end : end - start);
    out += start == 0 ? part : " + " + opType(part);
    if (end == std::string::npos)
      return out;
    start = end + 3;
  }
}

/// At most `width` characters: the start and the end of a longer name.
std::string clip(const std::string &s, size_t width) {
  if (s.size() <= width)
    return s;
  size_t head = width / 3;
  return s.substr(0, head) + "..." + s.substr(s.size() - (width - head - 3));
}

/// A horizontal bar chart: one row per (label, ms), bars scaled to the
/// largest.
std::string barChart(const std::vector<std::pair<std::string, double>> &rows, double total) {
  const int rowH = 18, labelW = 430, barW = 420, top = 4;
  double most = 0;
  for (const auto &r : rows)
    most = std::max(most, r.second);
  std::string svg = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' "
                                "font-family='monospace' font-size='11'>",
                                labelW + barW + 150, top + rowH * rows.size() + 4);
  for (size_t i = 0; i < rows.size(); ++i) {
    double w = most > 0 ? barW * rows[i].second / most : 0;
    int y = top + rowH * (int)i;
    svg +=
        fmt::format("<text x='{}' y='{}' text-anchor='end'><title>{}</title>{}</text>", labelW - 6,
                    y + 13, htmlEscape(rows[i].first), htmlEscape(clip(rows[i].first, 60)));
    svg += fmt::format("<rect x='{}' y='{}' width='{:.1f}' height='{}' fill='#4878a8'/>", labelW,
                       y + 3, w, rowH - 5);
    svg += fmt::format("<text x='{:.1f}' y='{}'>{:.3f} ms ({:.1f}%)</text>", labelW + w + 6, y + 13,
                       rows[i].second, total > 0 ? 100 * rows[i].second / total : 0);
  }
  return svg + "</svg>";
}

/// The run in program order: one segment per region, its width its time.
std::string timeline(const std::vector<std::string> &names, const std::vector<double> &ms,
                     double total) {
  const int width = 1000, height = 34;
  static const char *const colors[] = {"#4878a8", "#e49444", "#d1605e", "#85b6b2",
                                       "#6a9f58", "#e7ca60", "#a87c9f", "#f1a2a9"};
  std::map<std::string, size_t> colorOf;
  std::string svg =
      fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}'>", width, height);
  double x = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    double w = total > 0 ? width * ms[i] / total : 0;
    auto [it, fresh] = colorOf.try_emplace(opType(names[i]), colorOf.size());
    svg += fmt::format("<rect x='{:.2f}' y='0' width='{:.2f}' height='{}' fill='{}' "
                       "stroke='white' stroke-width='0.3'><title>#{} {} {:.3f} ms</title></rect>",
                       x, w, height, colors[it->second % 8], i, htmlEscape(names[i]), ms[i]);
    x += w;
  }
  return svg + "</svg>";
}

} // namespace

nlohmann::json profileReport(autoglm_model *model, autoglm_context *ctx, bool print,
                             const std::string &htmlPath, const std::string &title,
                             std::string &error) {
  size_t n = autoglm_model_profile_regions(model), runs = 0;
  const double *seconds = autoglm_context_profile(ctx, &runs);
  if (n == 0 || !seconds) {
    error = "--profile: the artifact has no profile regions (compile it with --profile)";
    return nullptr;
  }
  std::vector<std::string> names(n);
  std::vector<double> ms(n);
  for (size_t i = 0; i < n; ++i) {
    names[i] = autoglm_model_profile_region(model, i);
    ms[i] = runs ? 1000.0 * seconds[i] / runs : 0;
  }
  double total = std::accumulate(ms.begin(), ms.end(), 0.0);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ms[a] > ms[b]; });
  std::map<std::string, std::pair<double, int>> byType;
  for (size_t i = 0; i < n; ++i) {
    auto &t = byType[opType(names[i])];
    t.first += ms[i];
    ++t.second;
  }
  std::vector<std::pair<std::string, double>> types;
  for (const auto &[type, t] : byType)
    types.push_back({type, t.first});
  std::stable_sort(types.begin(), types.end(),
                   [](const auto &a, const auto &b) { return a.second > b.second; });

  nlohmann::json regions = nlohmann::json::array(), typeRows = nlohmann::json::array();
  for (size_t i = 0; i < n; ++i)
    regions.push_back({{"region", i},
                       {"nodes", names[i]},
                       {"op_type", opType(names[i])},
                       {"ms_per_run", ms[i]},
                       {"share", total > 0 ? ms[i] / total : 0}});
  for (const auto &[type, t] : types)
    typeRows.push_back({{"op_type", type},
                        {"regions", byType[type].second},
                        {"ms_per_run", t},
                        {"share", total > 0 ? t / total : 0}});
  nlohmann::json out = {
      {"runs", runs}, {"ms_per_run", total}, {"regions", regions}, {"op_types", typeRows}};

  if (print) {
    fmt::print("profile over {} runs: {:.3f} ms per run in {} regions\n", runs, total, n);
    fmt::print("  by op type:");
    for (const auto &[type, t] : types)
      fmt::print(" {} {:.1f}%", type, total > 0 ? 100 * t / total : 0);
    fmt::print("\n  {:>4} {:>9} {:>6} {:>6}  {}\n", "#", "ms/run", "%", "cum%", "nodes");
    double cum = 0;
    size_t shown = std::min<size_t>(n, 40);
    for (size_t k = 0; k < shown; ++k) {
      size_t i = order[k];
      cum += ms[i];
      fmt::print("  {:>4} {:>9.4f} {:>6.1f} {:>6.1f}  {}\n", i, ms[i],
                 total > 0 ? 100 * ms[i] / total : 0, total > 0 ? 100 * cum / total : 0,
                 clip(shortName(names[i]), 110));
    }
    if (shown < n)
      fmt::print("  ... {} more regions, {:.3f} ms per run\n", n - shown, total - cum);
  }

  if (!htmlPath.empty()) {
    std::vector<std::pair<std::string, double>> top;
    for (size_t k = 0; k < std::min<size_t>(n, 30); ++k)
      top.push_back({fmt::format("#{} {}", order[k], shortName(names[order[k]])), ms[order[k]]});
    std::string page =
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>autoglm profile: " +
        htmlEscape(title) +
        "</title><style>body{font-family:sans-serif;margin:24px;max-width:1100px}"
        "table{border-collapse:collapse;font-size:12px}td,th{padding:2px 8px;border-bottom:"
        "1px solid #ddd;text-align:left}td.n{text-align:right;font-family:monospace}"
        "</style></head><body>";
    page += "<h1>Per-op profile</h1><p>" + htmlEscape(title) +
            fmt::format(": {:.3f} ms per run over {} runs, {} regions (each the code of one "
                        "ONNX node, or of several fused into one kernel).</p>",
                        total, runs, n);
    page += "<h2>The run in program order</h2><p>Each segment is a region, its width its "
            "time; colors are op types (hover for the nodes).</p>" +
            timeline(names, ms, total);
    page += "<h2>By op type</h2>" + barChart(types, total);
    page += "<h2>The 30 slowest regions</h2>" + barChart(top, total);
    page += "<h2>All regions</h2><table><tr><th>#</th><th>ms/run</th><th>%</th><th>op "
            "type</th><th>nodes</th></tr>";
    for (size_t i = 0; i < n; ++i)
      page += fmt::format("<tr><td class='n'>{}</td><td class='n'>{:.4f}</td><td "
                          "class='n'>{:.1f}</td><td>{}</td><td>{}</td></tr>",
                          i, ms[i], total > 0 ? 100 * ms[i] / total : 0,
                          htmlEscape(opType(names[i])), htmlEscape(names[i]));
    page += "</table></body></html>\n";
    std::ofstream f(htmlPath, std::ios::binary);
    if (!(f << page)) {
      error = "cannot write " + htmlPath;
      return nullptr;
    }
    if (print)
      fmt::print("wrote {}\n", htmlPath);
  }
  return out;
}

} // namespace autoglm::run
