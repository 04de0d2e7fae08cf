//===- PruneStructured.cpp - autoglm-prune-structured ---------------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// Channel pruning with real shape shrink. The unit of decision is a
// dependency group: the output channels of one or more producers (conv of
// group 1, linear, constant-weight matmul) and every tensor whose dimension
// is tied to them index for index. The group is found by walking from a
// producer's result through the ops' channel rules in both directions (a
// residual add pulls in the other branch's producer); an op without a rule,
// a model input or output, ends the walk with "kept" and the reason.
//===----------------------------------------------------------------------===//

#include "../Quantization/QuantUtils.h"
#include "../Utils.h"
#include "PruneUtils.h"
#include "autoglm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <numeric>

namespace mlir::autoglm {
#define GEN_PASS_DEF_PRUNESTRUCTURED
#include "autoglm/Transforms/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;

namespace {

/// A tensor's channel dimension: channel c is the indices [c * inner,
/// (c + 1) * inner) of dimension `axis` (inner > 1 once a reshape has
/// flattened the channels with the dimensions after them).
struct ChanRef {
  Value value;
  int64_t axis, inner;
};

/// What pruning changes in an op: a constant operand sliced along `axis`
/// (in units of `inner` elements), or a depthwise conv's group.
struct Edit {
  Operation *op;
  unsigned operand;
  int64_t axis, inner;
  bool setGroup = false;
};

/// An op that reads a group's channels through its weight (a conv of
/// group 1, a linear or matmul): its operand 0 along `axis`.
struct Consumer {
  Operation *op;
  int64_t axis, inner;
};

struct Group {
  SmallVector<ChanRef> members;
  SmallVector<Edit> edits;
  SmallVector<Consumer> consumers;
  /// Producers and the axis of their weight's output channels.
  SmallVector<std::pair<Operation *, int64_t>> producers;
  SmallVector<Operation *> batchNorms;
  std::string blocked;
  Location blockedAt;
  int64_t channels = 0;
  explicit Group(Location loc) : blockedAt(loc) {}
};

int64_t dim(Value v, int64_t axis) { return cast<RankedTensorType>(v.getType()).getDimSize(axis); }
int64_t rank(Value v) { return cast<RankedTensorType>(v.getType()).getRank(); }
bool isF32Constant(Value v) { return constantF32(v).has_value(); }

class GroupBuilder {
public:
  explicit GroupBuilder(Group &g) : g(g) {}

  void build(ChanRef start) {
    add(start);
    while (!work.empty() && g.blocked.empty()) {
      ChanRef r = work.pop_back_val();
      if (auto res = dyn_cast<OpResult>(r.value))
        visit(res.getOwner(), r, -1);
      else
        block(r.value.getLoc(), "a model input");
      for (OpOperand &use : r.value.getUses())
        if (g.blocked.empty())
          visit(use.getOwner(), r, (int)use.getOperandNumber());
    }
  }

private:
  Group &g;
  SmallVector<ChanRef> work;
  llvm::DenseSet<std::pair<Value, int64_t>> seen;
  /// (op, operand * 64 + axis): a conv may lose rows and columns of one
  /// weight in the same group (a residual block around it).
  llvm::DenseSet<std::pair<Operation *, int64_t>> edited;
  llvm::DenseSet<Operation *> produced, consumed;

  void block(Location loc, const std::string &why) {
    if (g.blocked.empty()) {
      g.blocked = why;
      g.blockedAt = loc;
    }
  }
  void add(ChanRef r) {
    if (!isa<RankedTensorType>(r.value.getType()) || r.axis < 0 || r.axis >= rank(r.value))
      return block(r.value.getLoc(), "a tensor without the channel dimension");
    if (seen.insert({r.value, r.axis}).second) {
      g.members.push_back(r);
      work.push_back(r);
    }
  }
  void edit(Operation *op, unsigned operand, int64_t axis, int64_t inner, bool setGroup = false) {
    if (!isF32Constant(op->getOperand(operand)))
      return block(op->getLoc(), "a parameter that is not an f32 constant");
    if (edited.insert({op, (int64_t)operand * 64 + axis}).second)
      g.edits.push_back({op, operand, axis, inner, setGroup});
  }
  void consumer(Operation *op, ChanRef r) {
    if (consumed.insert(op).second)
      g.consumers.push_back({op, r.axis, r.inner});
  }
  void producer(Operation *op, int64_t weightAxis) {
    if (produced.insert(op).second)
      g.producers.push_back({op, weightAxis});
  }

  /// `r` is on `op`'s result (operand < 0) or on operand `operand`.
  void visit(Operation *op, ChanRef r, int operand) {
    if (!isa<func::FuncOp>(op->getParentOp()))
      return block(op->getLoc(), "used inside a control-flow region");
    bool onResult = operand < 0;
    auto resultRef = [&](int64_t axis, int64_t inner) { add({op->getResult(0), axis, inner}); };
    if (auto conv = dyn_cast<ConvOp>(op)) {
      int64_t m = dim(conv.getWeight(), 0);
      bool depthwise = conv.getGroup() != 1 &&
                       (int64_t)conv.getGroup() == dim(conv.getInput(), 1) &&
                       m == (int64_t)conv.getGroup() && dim(conv.getWeight(), 1) == 1;
      if (r.axis != 1 || r.inner != 1)
        return block(op->getLoc(), "a conv over a reshaped channel dimension");
      if (conv.getGroup() != 1 && !depthwise)
        return block(op->getLoc(), "a grouped conv");
      if (operand == 1 || operand == 2)
        return block(op->getLoc(), "a tensor used as a weight");
      if (depthwise) {
        // Channel for channel: input, weight rows, bias, result.
        add({conv.getInput(), 1, 1});
        resultRef(1, 1);
        edit(op, 1, 0, 1, /*setGroup=*/true);
        if (conv.getBias())
          edit(op, 2, 0, 1);
        if (conv.getResidual())
          add({conv.getResidual(), 1, 1});
        return;
      }
      if (operand == 0) { // A consumer: its weight loses input channels.
        consumer(op, r);
        return edit(op, 1, 1, 1);
      }
      // The result (or the residual, tied to it): a producer.
      resultRef(1, 1);
      producer(op, 0);
      edit(op, 1, 0, 1);
      if (conv.getBias())
        edit(op, 2, 0, 1);
      if (conv.getResidual())
        add({conv.getResidual(), 1, 1});
      return;
    }
    if (auto linear = dyn_cast<LinearOp>(op)) {
      int64_t last = rank(op->getResult(0)) - 1;
      if (operand == 0 && r.axis == rank(linear.getInput()) - 1) {
        consumer(op, r);
        return edit(op, 1, 1, r.inner);
      }
      if (onResult && r.axis == last && r.inner == 1) {
        producer(op, 0);
        edit(op, 1, 0, 1);
        if (linear.getBias())
          edit(op, 2, 0, 1);
        return;
      }
      return block(op->getLoc(), "a linear over another dimension");
    }
    if (auto mm = dyn_cast<MatMulOp>(op)) {
      bool constRhs =
          isF32Constant(mm.getRhs()) && rank(mm.getRhs()) == 2 && rank(mm.getLhs()) >= 2;
      if (constRhs && operand == 0 && r.axis == rank(mm.getLhs()) - 1) {
        consumer(op, r);
        return edit(op, 1, 0, r.inner);
      }
      if (constRhs && onResult && r.axis == rank(op->getResult(0)) - 1 && r.inner == 1) {
        producer(op, 1);
        return edit(op, 1, 1, 1);
      }
      return block(op->getLoc(), "a matmul of two activations");
    }
    if (isa<UnaryOp, CastOp>(op)) {
      add({op->getOperand(0), r.axis, r.inner});
      return resultRef(r.axis, r.inner);
    }
    if (isa<BinaryOp, CompareOp, SelectOp>(op)) {
      // Right-aligned broadcasting: operand j's axis is the result's minus
      // the rank difference; extent 1 there broadcasts (untouched).
      int64_t R = rank(op->getResult(0));
      int64_t axis = onResult ? r.axis : r.axis + (R - rank(op->getOperand(operand)));
      resultRef(axis, r.inner);
      for (OpOperand &o : op->getOpOperands()) {
        int64_t a = axis - (R - rank(o.get()));
        if (a < 0 || dim(o.get(), a) == 1)
          continue;
        if (o.get().getDefiningOp<ConstantOp>())
          edit(op, o.getOperandNumber(), a, r.inner);
        else
          add({o.get(), a, r.inner});
      }
      return;
    }
    if (auto bn = dyn_cast<BatchNormOp>(op)) {
      if (r.axis != 1 || r.inner != 1 || operand > 0)
        return block(op->getLoc(), "a batch norm over another dimension");
      add({bn.getInput(), 1, 1});
      resultRef(1, 1);
      for (unsigned i = 1; i < 5; ++i)
        edit(op, i, 0, 1);
      g.batchNorms.push_back(op);
      return;
    }
    if (isa<PoolOp>(op)) {
      if (r.axis != 1 || r.inner != 1)
        return block(op->getLoc(), "pooling over the channel dimension");
      add({op->getOperand(0), 1, 1});
      return resultRef(1, 1);
    }
    if (auto red = dyn_cast<ReduceOp>(op)) {
      ArrayRef<int64_t> axes = red.getAxes();
      // Map between the input's axis and the result's.
      auto removedBefore = [&](int64_t a) {
        return red.getKeepdims() ? 0
                                 : (int64_t)llvm::count_if(axes, [&](int64_t x) { return x < a; });
      };
      if (onResult) {
        int64_t a = r.axis;
        for (int64_t x = 0; !red.getKeepdims() && x <= a; ++x)
          if (llvm::is_contained(axes, x))
            ++a;
        if (llvm::is_contained(axes, a))
          return block(op->getLoc(), "a reduction over the channels");
        add({red.getInput(), a, r.inner});
        return resultRef(r.axis, r.inner);
      }
      if (llvm::is_contained(axes, r.axis))
        return block(op->getLoc(), "a reduction over the channels");
      return resultRef(r.axis - removedBefore(r.axis), r.inner);
    }
    if (auto t = dyn_cast<TransposeOp>(op)) {
      ArrayRef<int64_t> perm = t.getPerm();
      if (onResult)
        return add({t.getInput(), perm[r.axis], r.inner});
      auto it = llvm::find(perm, r.axis);
      return resultRef(it - perm.begin(), r.inner);
    }
    if (auto rs = dyn_cast<ReshapeOp>(op)) {
      if (rs.getShape())
        return block(op->getLoc(), "a reshape to a run-time shape");
      Value from = onResult ? rs.getResult() : rs.getInput();
      Value to = onResult ? rs.getInput() : rs.getResult();
      std::optional<ChanRef> mapped = mapReshape(from, to, r);
      if (!mapped)
        return block(op->getLoc(), "a reshape that splits the channels");
      add(*mapped);
      return add({from, r.axis, r.inner});
    }
    if (auto cat = dyn_cast<ConcatOp>(op)) {
      if (cat.getAxis() == r.axis)
        return block(op->getLoc(), "a concat along the channels");
      for (Value v : cat.getInputs())
        add({v, r.axis, r.inner});
      return resultRef(r.axis, r.inner);
    }
    if (auto sm = dyn_cast<SoftmaxOp>(op)) {
      int64_t axis = sm.getAxis() < 0 ? sm.getAxis() + rank(op->getResult(0)) : sm.getAxis();
      if (axis == r.axis)
        return block(op->getLoc(), "a softmax over the channels");
      add({op->getOperand(0), r.axis, r.inner});
      return resultRef(r.axis, r.inner);
    }
    if (isa<func::ReturnOp>(op))
      return block(op->getLoc(), "a model output");
    block(op->getLoc(), ("'" + op->getName().getStringRef() + "' has no channel rule").str());
  }

  /// The channel dimension of `to` that a static reshape maps `r` (on
  /// `from`) to: an axis with the same outer extent, whose indices each lie
  /// within one channel.
  static std::optional<ChanRef> mapReshape(Value from, Value to, ChanRef r) {
    auto ft = cast<RankedTensorType>(from.getType()), tt = cast<RankedTensorType>(to.getType());
    if (!ft.hasStaticShape() || !tt.hasStaticShape())
      return std::nullopt;
    ArrayRef<int64_t> fs = ft.getShape(), ts = tt.getShape();
    int64_t outer = 1, tail = 1;
    for (int64_t i = 0; i < r.axis; ++i)
      outer *= fs[i];
    for (int64_t i = r.axis + 1; i < (int64_t)fs.size(); ++i)
      tail *= fs[i];
    int64_t channels = fs[r.axis] / r.inner, block = r.inner * tail;
    // Empty tensors have no channel runs to follow.
    if (block <= 0 || channels <= 0)
      return std::nullopt;
    int64_t prod = 1;
    for (int64_t b = 0; b < (int64_t)ts.size(); ++b) {
      if (prod == outer) {
        int64_t toTail = 1;
        for (int64_t i = b + 1; i < (int64_t)ts.size(); ++i)
          toTail *= ts[i];
        if (toTail > 0 && block % toTail == 0 && ts[b] == channels * (block / toTail))
          return ChanRef{to, b, block / toTail};
      }
      prod *= ts[b];
    }
    return std::nullopt;
  }
};

/// `values` (row-major `shape`) with only the kept channels along `axis`,
/// channel c being indices [c * inner, (c + 1) * inner).
std::vector<float> sliceAxis(ArrayRef<float> values, SmallVector<int64_t> &shape, int64_t axis,
                             int64_t inner, ArrayRef<int64_t> kept) {
  int64_t outer = 1, tail = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  for (int64_t i = axis + 1; i < (int64_t)shape.size(); ++i)
    tail *= shape[i];
  int64_t extent = shape[axis];
  std::vector<float> out;
  out.reserve(outer * kept.size() * inner * tail);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c : kept)
      for (int64_t i = 0; i < inner; ++i) {
        const float *src = values.data() + (o * extent + c * inner + i) * tail;
        out.insert(out.end(), src, src + tail);
      }
  shape[axis] = (int64_t)kept.size() * inner;
  return out;
}

struct PruneStructuredPass : autoglm::impl::PruneStructuredBase<PruneStructuredPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (ratio < 0 || ratio >= 1) {
      module.emitError() << "autoglm-prune-structured: ratio " << formatRatio(ratio)
                         << " is not in [0, 1)";
      return signalPassFailure();
    }
    if (criterion != "l1" && criterion != "l2" && criterion != "bn" && criterion != "act") {
      module.emitError() << "autoglm-prune-structured: criterion '" << criterion
                         << "' is not l1, l2, bn or act";
      return signalPassFailure();
    }
    if (align < 1) {
      module.emitError() << "autoglm-prune-structured: align must be at least 1";
      return signalPassFailure();
    }
    llvm::StringMap<double> byNode;
    for (const std::string &entry : ratios) {
      auto [name, value] = StringRef(entry).rsplit('=');
      double r = -1;
      if (name.empty() || value.empty() || value.getAsDouble(r) || !(r >= 0 && r < 1)) {
        module.emitError() << "autoglm-prune-structured: ratios entry '" << entry
                           << "' is not NODE=R with R in [0, 1)";
        return signalPassFailure();
      }
      byNode[name] = r;
    }

    // Find every group, starting from each producer not yet in one.
    std::vector<Group> groups;
    llvm::DenseSet<Operation *> grouped;
    module.walk([&](func::FuncOp fn) {
      fn.walk([&](Operation *op) {
        if (grouped.contains(op) || !isa<func::FuncOp>(op->getParentOp()))
          return;
        auto w = prunableWeight(op);
        auto conv = dyn_cast<ConvOp>(op);
        if (!w || (conv && conv.getGroup() != 1) || op->getNumResults() != 1)
          return;
        int64_t axis = isa<ConvOp>(op) ? 1 : rank(op->getResult(0)) - 1;
        groups.emplace_back(op->getLoc());
        Group &g = groups.back();
        GroupBuilder(g).build({op->getResult(0), axis, 1});
        for (auto &[p, a] : g.producers)
          grouped.insert(p);
        grouped.insert(op);
      });
    });

    // Each ratios entry names a producer of some group (of any group: one
    // left alone keeps its channels, with its remark).
    llvm::StringSet<> producerNames;
    for (Group &g : groups)
      for (auto &[p, a] : g.producers)
        producerNames.insert(layerName(p));
    for (auto &entry : byNode)
      if (!producerNames.contains(entry.getKey())) {
        module.emitError() << "autoglm-prune-structured: ratios names '" << entry.getKey()
                           << "', which produces no channel group (a conv, linear or matmul "
                              "with a constant weight)";
        return signalPassFailure();
      }
    for (Group &g : groups)
      check(g);
    if (probe)
      return buildProbe(groups);

    // Decide, then apply: a conv between two groups has its weight sliced
    // by both (rows by one, columns by the other).
    SmallVector<SmallVector<int64_t>> keep(groups.size());
    for (auto [i, g] : llvm::enumerate(groups)) {
      double r = ratio;
      std::string from;
      for (auto &[p, a] : g.producers) {
        auto it = byNode.find(layerName(p));
        if (it == byNode.end())
          continue;
        if (!from.empty() && it->second != r) {
          module.emitError() << "autoglm-prune-structured: ratios gives the channel group of '"
                             << from << "' and '" << it->getKey() << "' two ratios ("
                             << formatRatio(r) << ", " << formatRatio(it->second) << ")";
          return signalPassFailure();
        }
        r = it->second;
        from = it->getKey().str();
      }
      keep[i] = decide(g, r);
    }
    for (auto [i, g] : llvm::enumerate(groups))
      if (!keep[i].empty())
        apply(g, keep[i]);
    // The weights the groups replaced.
    module.walk([](ConstantOp c) {
      if (c->use_empty())
        c->erase();
    });
    int64_t pruned = llvm::count_if(keep, [](auto &k) { return !k.empty(); });
    recordCount(module, "pruned_channel_groups", pruned);
  }

  /// The group's channel count, and whether it can be pruned at all.
  void check(Group &g) {
    Operation *first = g.producers.empty() ? nullptr : g.producers.front().first;
    g.channels = first ? dim(first->getOperand(1), g.producers.front().second) : 0;
    for (ChanRef &r : g.members)
      if (g.blocked.empty() && dim(r.value, r.axis) != g.channels * r.inner)
        g.blocked = "tensors of different channel counts", g.blockedAt = r.value.getLoc();
    for (auto &[p, a] : g.producers)
      if (g.blocked.empty() && fromNodeIn(p, exclude))
        g.blocked = "excluded", g.blockedAt = p->getLoc();
    if (g.blocked.empty() && !probe && criterion == "act" && importance(g).empty())
      g.blocked = "no activation statistics for criterion act (the compile session measures "
                  "them on --calib)",
      g.blockedAt = first->getLoc();
  }

  /// The group's channels, most important first (ties: the lower index).
  SmallVector<int64_t> ranking(Group &g) {
    std::vector<double> score = importance(g);
    SmallVector<int64_t> order(g.channels);
    std::iota(order.begin(), order.end(), 0);
    if ((int64_t)score.size() != g.channels)
      return order;
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t x, int64_t y) { return score[x] > score[y]; });
    return order;
  }

  /// Picks the kept channels of a checked group (empty: unchanged), with
  /// the report entry and, for a group left alone, a remark.
  SmallVector<int64_t> decide(Group &g, double groupRatio) {
    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    SmallVector<Attribute> nodes;
    for (auto &[p, a] : g.producers)
      nodes.push_back(b.getStringAttr(layerName(p)));
    Operation *first = g.producers.empty() ? nullptr : g.producers.front().first;
    NamedAttrList entry;
    entry.set("kind", b.getStringAttr("structured"));
    entry.set("nodes", b.getArrayAttr(nodes));
    entry.set("channels", b.getI64IntegerAttr(g.channels));
    auto report = [&](int64_t kept, StringRef why) {
      entry.set("kept", b.getI64IntegerAttr(kept));
      if (!why.empty())
        entry.set("reason", b.getStringAttr(why));
      appendPruneReport(getOperation(), entry.getDictionary(ctx));
    };
    if (!g.blocked.empty()) {
      emitRemark(g.blockedAt) << "autoglm-prune-structured: the output channels of '"
                              << layerName(first) << "' are kept: " << g.blocked;
      report(g.channels, g.blocked);
      return {};
    }
    int64_t C = g.channels;
    int64_t k = keptChannels(C, groupRatio, align);
    if (k >= C) {
      report(C, "");
      return {};
    }
    SmallVector<int64_t> order = ranking(g);
    SmallVector<int64_t> kept(order.begin(), order.begin() + k);
    llvm::sort(kept);
    entry.set("criterion", b.getStringAttr(criterion));
    entry.set("kept_channels", b.getI64ArrayAttr(kept));
    report(k, "");
    return kept;
  }

  std::vector<double> importance(Group &g) {
    std::vector<double> score(g.channels, 0.0);
    auto addNormalized = [&](std::vector<double> s) {
      double mean = 0;
      for (double v : s)
        mean += v / (double)s.size();
      for (size_t c = 0; c < s.size(); ++c)
        score[c] += mean > 0 ? s[c] / mean : 0.0;
    };
    if (criterion == "act") {
      // Scores the compile session measured (sqrt(E[x^2]) at the consumers
      // times their weight columns' norms), by the group's first producer.
      auto scores = getOperation()->getAttrOfType<DictionaryAttr>(kPruneScores);
      auto mine = scores ? dyn_cast_or_null<DenseF64ArrayAttr>(
                               scores.get(layerName(g.producers.front().first)))
                         : DenseF64ArrayAttr();
      if (mine && (int64_t)mine.size() == g.channels)
        return std::vector<double>(mine.asArrayRef().begin(), mine.asArrayRef().end());
      score.clear();
      return score;
    }
    if (criterion == "bn" && !g.batchNorms.empty()) {
      for (Operation *bn : g.batchNorms) {
        auto gamma = *constantF32(bn->getOperand(1));
        std::vector<double> s(g.channels);
        for (int64_t c = 0; c < g.channels; ++c)
          s[c] = std::fabs(gamma[c]);
        addNormalized(s);
      }
      return score;
    }
    for (auto &[p, axis] : g.producers) {
      auto w = *constantF32(p->getOperand(1));
      WeightView v = *prunableWeight(p);
      std::vector<double> s(g.channels, 0.0);
      for (int64_t r = 0; r < v.rows; ++r)
        for (int64_t c = 0; c < v.cols; ++c) {
          double x = w[r * v.rowStride + c * v.colStride];
          s[r] += criterion == "l2" ? x * x : std::fabs(x);
        }
      addNormalized(s);
    }
    return score;
  }

  /// The probe: a mask input per prunable group of @main multiplying its
  /// consumers' inputs, and what the session needs to turn a per-group
  /// ratio into masks and FLOPs (kPruneProbe).
  void buildProbe(std::vector<Group> &groups) {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    auto fn = module.lookupSymbol<func::FuncOp>("main");
    SmallVector<Attribute> entries;
    llvm::DenseMap<Operation *, SmallVector<int64_t>> scaledBy;
    for (Group &g : groups) {
      if (!fn || !g.blocked.empty() || g.channels < 1 || g.consumers.empty() ||
          llvm::any_of(g.consumers, [&](Consumer &c) { return c.op->getParentOp() != fn; }))
        continue;
      int64_t id = (int64_t)entries.size();
      unsigned arg = fn.getNumArguments();
      auto name = b.getStringAttr("autoglm.prune_mask." + std::to_string(id));
      if (failed(fn.insertArgument(arg, RankedTensorType::get({g.channels}, b.getF32Type()),
                                   b.getDictionaryAttr(b.getNamedAttr("autoglm.name", name)),
                                   fn.getLoc()))) {
        fn.emitError("autoglm-prune-structured: cannot add a mask input");
        return signalPassFailure();
      }
      auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
      Value act = meanSquares(g, ret);
      for (Consumer &c : g.consumers)
        insertMask(c, fn.getArgument(arg), g.channels);
      auto actName = b.getStringAttr("autoglm.prune_act." + std::to_string(id));
      if (failed(fn.insertResult(fn.getNumResults(), act.getType(),
                                 b.getDictionaryAttr(b.getNamedAttr("autoglm.name", actName))))) {
        fn.emitError("autoglm-prune-structured: cannot add a statistics output");
        return signalPassFailure();
      }
      ret->insertOperands(ret->getNumOperands(), act);
      SmallVector<Attribute> nodes;
      for (auto &[p, a] : g.producers) {
        nodes.push_back(b.getStringAttr(layerName(p)));
        scaledBy[p].push_back(id);
      }
      for (Consumer &c : g.consumers)
        scaledBy[c.op].push_back(id);
      for (Edit &e : g.edits)
        if (e.setGroup)
          scaledBy[e.op].push_back(id);
      NamedAttrList entry;
      entry.set("nodes", b.getArrayAttr(nodes));
      entry.set("channels", b.getI64IntegerAttr(g.channels));
      entry.set("order", b.getI64ArrayAttr(ranking(g)));
      entry.set("weight_norms", b.getDenseF64ArrayAttr(consumerNorms(g)));
      entry.set("arg", b.getI64IntegerAttr(arg));
      entries.push_back(entry.getDictionary(ctx));
    }
    SmallVector<Attribute> contractions;
    if (fn)
      fn.walk([&](Operation *op) {
        int64_t flops = contractionFlops(op);
        if (flops < 0)
          return;
        NamedAttrList c;
        c.set("flops", b.getI64IntegerAttr(flops));
        c.set("groups", b.getI64ArrayAttr(scaledBy.lookup(op)));
        contractions.push_back(c.getDictionary(ctx));
      });
    NamedAttrList probeAttr;
    probeAttr.set("groups", b.getArrayAttr(entries));
    probeAttr.set("contractions", b.getArrayAttr(contractions));
    module->setAttr(kPruneProbe, probeAttr.getDictionary(ctx));
  }

  /// E[x^2] per channel of the group's consumers' inputs (averaged over the
  /// consumers), a [channels] f32 tensor: the activation half of the act
  /// criterion, which the probe returns.
  static Value meanSquares(Group &g, Operation *ret) {
    Value sum;
    // At the return, which every consumer's input dominates (the consumers
    // come in use-list order, not block order).
    OpBuilder b(ret);
    for (Consumer &c : g.consumers) {
      Location loc = c.op->getLoc();
      Type f32 = b.getF32Type();
      Value x = c.op->getOperand(0);
      auto xt = cast<RankedTensorType>(x.getType());
      Value sq = BinaryOp::create(b, loc, xt, BinaryKind::Mul, x, x);
      SmallVector<int64_t> axes;
      for (int64_t a = 0; a < xt.getRank(); ++a)
        if (a != c.axis)
          axes.push_back(a);
      int64_t extent = g.channels * c.inner;
      Value m = axes.empty() ? sq
                             : (Value)ReduceOp::create(b, loc, RankedTensorType::get({extent}, f32),
                                                       ReduceKind::Mean, sq, axes, false, false);
      if (c.inner > 1) {
        Value runs = ReshapeOp::create(b, loc, RankedTensorType::get({g.channels, c.inner}, f32), m,
                                       Value());
        m = ReduceOp::create(b, loc, RankedTensorType::get({g.channels}, f32), ReduceKind::Mean,
                             runs, ArrayRef<int64_t>{1}, false, false);
      }
      sum = sum ? (Value)BinaryOp::create(b, loc, m.getType(), BinaryKind::Add, sum, m) : m;
    }
    return sum;
  }

  /// Per channel, the L2 norm of the weight columns that read it, each
  /// consumer normalized by its mean (the weight half of the act criterion).
  std::vector<double> consumerNorms(Group &g) {
    std::vector<double> score(g.channels, 0.0);
    for (Consumer &c : g.consumers) {
      std::optional<WeightView> v = prunableWeight(c.op);
      std::optional<std::vector<float>> w = constantF32(c.op->getOperand(1));
      if (!v || !w || v->cols % g.channels)
        continue;
      int64_t span = v->cols / g.channels;
      std::vector<double> s(g.channels, 0.0);
      for (int64_t r = 0; r < v->rows; ++r)
        for (int64_t col = 0; col < v->cols; ++col) {
          double x = (*w)[r * v->rowStride + col * v->colStride];
          s[col / span] += x * x;
        }
      double mean = 0;
      for (double &x : s)
        mean += (x = std::sqrt(x)) / (double)g.channels;
      for (int64_t ch = 0; ch < g.channels; ++ch)
        score[ch] += mean > 0 ? s[ch] / mean : 0.0;
    }
    return score;
  }

  /// consumer's input *= the mask, broadcast along its channel axis (each
  /// mask entry repeated `inner` times where the channels were flattened).
  static void insertMask(Consumer &c, Value mask, int64_t C) {
    OpBuilder b(c.op);
    Location loc = c.op->getLoc();
    Type f32 = b.getF32Type();
    Value x = c.op->getOperand(0);
    auto xt = cast<RankedTensorType>(x.getType());
    Value m = mask;
    if (c.inner > 1) {
      Value column = ReshapeOp::create(b, loc, RankedTensorType::get({C, 1}, f32), m, Value());
      auto onesType = RankedTensorType::get({1, c.inner}, f32);
      Value ones = ConstantOp::create(b, loc, DenseElementsAttr::get(onesType, 1.0f));
      Value runs = BinaryOp::create(b, loc, RankedTensorType::get({C, c.inner}, f32),
                                    BinaryKind::Mul, column, ones);
      m = ReshapeOp::create(b, loc, RankedTensorType::get({C * c.inner}, f32), runs, Value());
    }
    SmallVector<int64_t> shape(xt.getRank(), 1);
    shape[c.axis] = C * c.inner;
    m = ReshapeOp::create(b, loc, RankedTensorType::get(shape, f32), m, Value());
    c.op->setOperand(0, BinaryOp::create(b, loc, xt, BinaryKind::Mul, x, m));
  }

  void apply(Group &g, ArrayRef<int64_t> kept) {
    MLIRContext *ctx = &getContext();
    Builder attrs(ctx);
    for (Edit &e : g.edits) {
      Value old = e.op->getOperand(e.operand);
      auto type = cast<RankedTensorType>(old.getType());
      SmallVector<int64_t> shape(type.getShape());
      // What --emit pruned-onnx replays on the model's initializers: the
      // weight (an initializer's constant is located at its name; a sliced
      // one keeps that location), the nodes using it and at which operand
      // (the ONNX input index for the ops pruning edits), the slice.
      NamedAttrList record;
      auto name = dyn_cast<NameLoc>(old.getLoc());
      record.set("initializer", attrs.getStringAttr(name ? name.getName().str() : ""));
      SmallVector<Attribute> nodes;
      e.op->getLoc()->walk([&](Location l) {
        if (auto n = dyn_cast<NameLoc>(l))
          nodes.push_back(n.getName());
        return WalkResult::advance();
      });
      record.set("nodes", attrs.getArrayAttr(nodes));
      record.set("operand", attrs.getI64IntegerAttr(e.operand));
      record.set("shape", attrs.getI64ArrayAttr(shape));
      record.set("axis", attrs.getI64IntegerAttr(e.axis));
      record.set("inner", attrs.getI64IntegerAttr(e.inner));
      record.set("kept", attrs.getI64ArrayAttr(kept));
      record.set("set_group", attrs.getBoolAttr(e.setGroup));
      appendPruneEdit(getOperation(), record.getDictionary(ctx));
      std::vector<float> values = sliceAxis(*constantF32(old), shape, e.axis, e.inner, kept);
      OpBuilder b(e.op);
      Value c = replacementConstant(b, old, shape, values, ".pruned");
      e.op->setOperand(e.operand, c);
      if (e.setGroup)
        cast<ConvOp>(e.op).setGroup((int64_t)kept.size());
    }
    for (ChanRef &r : g.members) {
      auto type = cast<RankedTensorType>(r.value.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape[r.axis] = (int64_t)kept.size() * r.inner;
      r.value.setType(type.clone(shape));
    }
  }
};

} // namespace
