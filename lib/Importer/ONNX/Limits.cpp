//===- Limits.cpp - resource limits of an ONNX import -------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// What the limits bound and why (docs/fuzzing.md, "Resource limits and
// external data"):
//  - maxMemory: the importer copies every constant into the IR, so one
//    constant's declared bytes, and all constants' together, bound what
//    the compiler allocates; rules that build constants from the model's
//    extents (Range, EyeLike, CumSum, iotas, DFT matrices) check theirs
//    (checkConstantSize). Values (inputs, intermediates) are held to 2^40
//    elements only: the compiler allocates none of their data.
//  - maxNodes: ONNX's checker, its shape inference and the import each take
//    memory and time per node; an unrolled loop multiplies its body.
//  - maxSubgraphDepth: each nesting level is a recursion in protobuf's
//    parser, ONNX's checker and shape inference, and the importer.
//===----------------------------------------------------------------------===//

#include "Limits.h"
#include "ImportContext.h"
#include "TensorData.h"
#include "autoglm/Support/TensorProto.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::onnx_import;

uint64_t mlir::autoglm::defaultMaxMemory() {
  uint64_t avail = 0;
  auto lower = [&](uint64_t v) {
    if (v)
      avail = avail ? std::min(avail, v) : v;
  };
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0)
    lower((uint64_t)pages * (uint64_t)page);
  // A container sees the host's physical memory; its cgroup says what it
  // may use (v2, then v1; "max" and v1's huge "unlimited" change nothing).
  for (const char *file :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(file);
    unsigned long long v = 0;
    if (in >> v)
      lower(v);
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    lower(rl.rlim_cur);
  // Half: the importer holds a constant's bytes while it builds its
  // attribute, and the passes after it fold and copy some.
  return avail ? avail / 2 : uint64_t(16) << 30;
}

std::string onnx_import::formatBytes(uint64_t bytes) {
  static const char *units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024)
    return fmt::format("{} bytes", bytes);
  double v = (double)bytes;
  int u = -1;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{} bytes ({:.1f} {})", bytes, v, units[u]);
}

uint64_t onnx_import::memoryLimit(const ONNXImportOptions &options) {
  return options.maxMemory ? options.maxMemory : defaultMaxMemory();
}

static std::string overLimit(uint64_t limit) {
  return fmt::format("more than the memory limit of {}; raise it with --max-memory",
                     formatBytes(limit));
}

std::string onnx_import::tensorSizeError(llvm::ArrayRef<int64_t> dims, int64_t elementSize,
                                         uint64_t limit) {
  uint64_t n = 1;
  bool overflow = false;
  for (int64_t d : dims) {
    if (d == 0)
      return {};
    if (d > 0 && __builtin_mul_overflow(n, (uint64_t)d, &n))
      overflow = true;
  }
  std::string shape = "[";
  for (auto [i, d] : llvm::enumerate(dims))
    shape += (i ? ", " : "") + (d < 0 ? std::string("?") : std::to_string(d));
  shape += "]";
  if (overflow || n > (uint64_t)kMaxElements)
    return fmt::format("its shape {} has more than 2^40 elements", shape);
  uint64_t bytes = n * (uint64_t)std::max<int64_t>(elementSize, 0);
  if (bytes > limit)
    return fmt::format("its shape {} of {}-byte elements takes {}, {}", shape, elementSize,
                       formatBytes(bytes), overLimit(limit));
  return {};
}

int64_t onnx_import::scanNodeCount(llvm::StringRef bytes) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t *>(bytes.data()),
                                            (int)std::min<size_t>(bytes.size(), INT32_MAX));
  auto is = [](uint32_t tag, int field) {
    return WireFormatLite::GetTagFieldNumber(tag) == field &&
           WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
  };
  int64_t nodes = 0;
  // ModelProto.graph is field 7, GraphProto.node field 1; a message field
  // given twice merges, so every occurrence counts.
  while (uint32_t tag = in.ReadTag()) {
    if (!is(tag, 7)) {
      if (!WireFormatLite::SkipField(&in, tag))
        return -1;
      continue;
    }
    uint32_t length;
    if (!in.ReadVarint32(&length))
      return -1;
    auto limit = in.PushLimit((int)length);
    while (uint32_t inner = in.ReadTag()) {
      nodes += is(inner, 1);
      if (!WireFormatLite::SkipField(&in, inner))
        return -1;
    }
    if (!in.ConsumedEntireMessage())
      return -1;
    in.PopLimit(limit);
  }
  return in.ConsumedEntireMessage() ? nodes : -1;
}

namespace {

/// One pass over the model's graphs, subgraphs included, reading only
/// declarations.
struct LimitWalker {
  const ONNXImportOptions &options;
  Location fileLoc;
  uint64_t limit;
  /// Check the declared sizes too (else only nesting and node count).
  bool sizes;
  int64_t nodes = 0;
  uint64_t constantBytes = 0;

  /// Saturating: the total is only compared with the limit.
  void add(uint64_t bytes) {
    if (__builtin_add_overflow(constantBytes, bytes, &constantBytes))
      constantBytes = UINT64_MAX;
  }

  LogicalResult fail(const std::string &msg) {
    emitError(fileLoc) << msg;
    return failure();
  }

  LogicalResult failAt(const onnx::NodeProto &node, int index, const std::string &msg) {
    std::string name =
        node.name().empty() ? fmt::format("{}_{}", node.op_type(), index) : node.name();
    emitError(NameLoc::get(StringAttr::get(fileLoc.getContext(), name), fileLoc))
        << "ONNX node '" << name << "' (" << node.op_type() << "): " << msg;
    return failure();
  }

  /// A declared graph input, output or intermediate value: at most 2^40
  /// elements. The memory limit is not theirs: the compiler allocates no
  /// value's data, and the machine that runs the artifact may have more.
  LogicalResult checkValue(const onnx::ValueInfoProto &v, const char *kind) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape())
      return success();
    SmallVector<int64_t> dims;
    for (const auto &d : v.type().tensor_type().shape().dim()) {
      if (!d.has_dim_value()) {
        dims.push_back(-1);
        continue;
      }
      // An extent out of range is the importer's to name (after the graph
      // checks, which name the node a bad shape trips).
      if (d.dim_value() < 0 || d.dim_value() > kMaxDim)
        return success();
      dims.push_back(d.dim_value());
    }
    std::string why = tensorSizeError(
        dims, ::autoglm::onnxElementSize(v.type().tensor_type().elem_type()), UINT64_MAX);
    return why.empty() ? success() : fail(fmt::format("{} '{}': {}", kind, v.name(), why));
  }

  /// A constant's declared size, alone and toward the total. Its data is
  /// not read here (readTensor checks it against the declaration).
  std::string checkConstant(const onnx::TensorProto &t) {
    int64_t size = ::autoglm::onnxElementSize(t.data_type());
    for (int64_t d : t.dims())
      if (d < 0 || d > kMaxDim)
        return {}; // readTensor names the bad extent when the tensor is used
    std::string why =
        tensorSizeError(llvm::ArrayRef<int64_t>(t.dims().data(), t.dims_size()), size, limit);
    if (!why.empty())
      return why;
    uint64_t n = 1;
    for (int64_t d : t.dims())
      n *= (uint64_t)d;
    add(n * (uint64_t)size);
    return {};
  }

  LogicalResult walk(const onnx::GraphProto &g, int64_t depth) {
    nodes += g.node_size();
    if (sizes) {
      for (const auto *list : {&g.input(), &g.output(), &g.value_info()})
        for (const auto &v : *list)
          if (failed(checkValue(v, list == &g.input()    ? "graph input"
                                   : list == &g.output() ? "graph output"
                                                         : "value")))
            return failure();
      for (const auto &init : g.initializer())
        if (std::string why = checkConstant(init); !why.empty())
          return fail(fmt::format("initializer '{}': {}", init.name(), why));
    }
    for (int i = 0; i < g.node_size(); ++i) {
      const auto &node = g.node(i);
      bool isConstant = sizes && node.op_type() == "Constant" &&
                        (node.domain().empty() || node.domain() == "ai.onnx");
      for (const auto &a : node.attribute()) {
        if (isConstant && a.has_t())
          if (std::string why = checkConstant(a.t()); !why.empty())
            return failAt(node, i, fmt::format("attribute '{}': {}", a.name(), why));
        if (isConstant)
          add(4 * (uint64_t)a.floats_size() + 8 * (uint64_t)a.ints_size());
        std::vector<const onnx::GraphProto *> subgraphs;
        if (a.has_g())
          subgraphs.push_back(&a.g());
        for (const auto &sub : a.graphs())
          subgraphs.push_back(&sub);
        for (const onnx::GraphProto *sub : subgraphs) {
          if (depth + 1 > options.maxSubgraphDepth)
            return failAt(node, i,
                          fmt::format("attribute '{}' nests a subgraph {} deep, more than the "
                                      "limit of {}; raise it with --max-subgraph-depth",
                                      a.name(), depth + 1, options.maxSubgraphDepth));
          if (failed(walk(*sub, depth + 1)))
            return failure();
        }
      }
    }
    return success();
  }
};

} // namespace

LogicalResult onnx_import::checkGraphLimits(const onnx::ModelProto &model, Location fileLoc,
                                            const ONNXImportOptions &options) {
  LimitWalker w{options, fileLoc, memoryLimit(options), /*sizes=*/false};
  if (failed(w.walk(model.graph(), 0)))
    return failure();
  if (w.nodes > options.maxNodes)
    return w.fail(fmt::format("the model has {} nodes (counting those of its subgraphs), more "
                              "than the limit of {}; raise it with --max-nodes",
                              w.nodes, options.maxNodes));
  return success();
}

LogicalResult onnx_import::checkTensorLimits(const onnx::ModelProto &model, Location fileLoc,
                                             const ONNXImportOptions &options) {
  LimitWalker w{options, fileLoc, memoryLimit(options), /*sizes=*/true};
  if (failed(w.walk(model.graph(), 0)))
    return failure();
  if (w.constantBytes > w.limit)
    return w.fail(fmt::format("the model's constants (initializers and Constant nodes) "
                              "take {} together, {}",
                              formatBytes(w.constantBytes), overLimit(w.limit)));
  return success();
}

LogicalResult onnx_import::checkConstantSize(NodeImporter &n, ArrayRef<int64_t> shape, Type elem) {
  int64_t size = elem.isIntOrFloat() ? (elem.getIntOrFloatBitWidth() + 7) / 8 : 8;
  std::string why = tensorSizeError(shape, size, n.maxMemory());
  if (why.empty())
    return success();
  return n.error("the constant this op expands to: " + why);
}
