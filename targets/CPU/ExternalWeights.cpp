//===- ExternalWeights.cpp - large constants in weights.bin ---------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A CPU library normally carries its weights as constant globals. Past a
// gigabyte or two that stops working (x86-64's small code model reaches
// 2 GB; the object file, the link and the load each copy the bytes), so the
// large constants move into one buffer the runtime maps from weights.bin:
// each memref.get_global becomes a memref.view of a trailing argument of the
// model function at the global's offset. The values stay in the module as
// an attribute for the compile session to write out.
//===----------------------------------------------------------------------===//

#include "KernelSupport.h"
#include "autoglm/Support/ConstantData.h"
#include "autoglm/Support/ModelFunction.h"
#include "autoglm/Target/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/xxhash.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_CPUEXTERNALWEIGHTS
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

struct CPUExternalWeightsPass : autoglm::impl::CPUExternalWeightsBase<CPUExternalWeightsPass> {
  using CPUExternalWeightsBase::CPUExternalWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp func = autoglm::lookupModelFunction(module, funcName);
    if (!func)
      return signalPassFailure();
    llvm::DenseMap<StringAttr, SmallVector<memref::GetGlobalOp>> uses;
    module.walk([&](memref::GetGlobalOp g) { uses[g.getNameAttr().getAttr()].push_back(g); });

    struct Moved {
      memref::GlobalOp global;
      int64_t offset;
      bool stored; // false: the same bytes as an earlier one, at its offset
    };
    SmallVector<Moved> moved;
    int64_t total = 0;
    // Equal constants share their bytes (an unrolled recurrence packs its
    // weight once per step; LLVM merges such globals in a library, nothing
    // would in weights.bin).
    llvm::DenseMap<uint64_t, SmallVector<std::pair<ArrayRef<char>, int64_t>>> stored;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      if (!global.getConstant() || !global.getInitialValue())
        continue;
      MemRefType type = global.getType();
      unsigned bits = type.getElementTypeBitWidth();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() || bits < 8 || bits % 8)
        continue;
      int64_t bytes = type.getNumElements() * (bits / 8);
      std::optional<ArrayRef<char>> raw = autoglm::constantBytes(*global.getInitialValue());
      if (bytes < minBytes || !raw || (int64_t)raw->size() != bytes)
        continue;
      auto it = uses.find(global.getSymNameAttr());
      if (it == uses.end() || llvm::any_of(it->second, [&](memref::GetGlobalOp g) {
            return g->getParentOfType<func::FuncOp>() != func;
          }))
        continue;
      int64_t align = std::max<int64_t>(64, global.getAlignment().value_or(0));
      SmallVector<std::pair<ArrayRef<char>, int64_t>> &same =
          stored[llvm::xxh3_64bits(ArrayRef<uint8_t>((const uint8_t *)raw->data(), raw->size()))];
      auto equal = llvm::find_if(same, [&](const std::pair<ArrayRef<char>, int64_t> &s) {
        return s.first == *raw && s.second % align == 0;
      });
      if (equal != same.end()) {
        moved.push_back({global, equal->second, false});
        continue;
      }
      int64_t offset = llvm::alignTo(total, align);
      moved.push_back({global, offset, true});
      same.push_back({*raw, offset});
      total = offset + bytes;
    }
    if (moved.empty())
      return;

    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    Value weights = autoglm::cpu::appendByteBuffer(func, total);
    if (!weights)
      return signalPassFailure();
    OpBuilder ob(ctx);
    SmallVector<Attribute> records;
    for (Moved &m : moved) {
      for (memref::GetGlobalOp g : uses[m.global.getSymNameAttr()]) {
        ob.setInsertionPoint(g);
        Value off = arith::ConstantIndexOp::create(ob, g.getLoc(), m.offset);
        Value view =
            memref::ViewOp::create(ob, g.getLoc(), g.getType(), weights, off, ValueRange{});
        g.getResult().replaceAllUsesWith(view);
        g.erase();
      }
      if (m.stored)
        records.push_back(b.getDictionaryAttr({
            b.getNamedAttr("name", m.global.getSymNameAttr()),
            b.getNamedAttr("offset", b.getI64IntegerAttr(m.offset)),
            b.getNamedAttr("value", *m.global.getInitialValue()),
        }));
      m.global.erase();
    }
    module->setAttr("autoglm.external_weights", b.getArrayAttr(records));
    module->setAttr("autoglm.external_weights_bytes", b.getI64IntegerAttr(total));
  }
};

} // namespace
