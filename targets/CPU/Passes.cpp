//===- Passes.cpp - CPU entry point and copy legalization -----------*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "autoglm/Target/Passes.h"
#include "KernelSupport.h"

#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::autoglm {
#define GEN_PASS_DEF_MEMREFCOPYTOLINALG
#define GEN_PASS_DEF_CPUENTRYPOINT
#define GEN_PASS_DEF_MATHAPPROXIMATION
#define GEN_PASS_DEF_CPULOOPORDER
#define GEN_PASS_DEF_INLINEALLOCASCOPES
#define GEN_PASS_DEF_CPUGENERALIZECONTRACTIONS
#define GEN_PASS_DEF_CPUINDEXBITS
#define GEN_PASS_DEF_CPUEXPANDF64TOF16
#define GEN_PASS_DEF_CPUSOFTF16
#include "autoglm/Target/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;

namespace {

struct CopyToLinalg : OpRewritePattern<memref::CopyOp> {
  CopyToLinalg(MLIRContext *ctx, bool keepContiguous)
      : OpRewritePattern(ctx), keepContiguous(keepContiguous) {}
  bool keepContiguous;
  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rw) const override {
    auto contiguous = [](Value v) {
      auto t = dyn_cast<MemRefType>(v.getType());
      return t && memref::isStaticShapeAndContiguousRowMajor(t);
    };
    if (keepContiguous && contiguous(op.getSource()) && contiguous(op.getTarget()))
      return failure();
    rw.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(), op.getTarget());
    return success();
  }
};

struct MemrefCopyToLinalgPass
    : autoglm::impl::MemrefCopyToLinalgBase<MemrefCopyToLinalgPass> {
  using MemrefCopyToLinalgBase::MemrefCopyToLinalgBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToLinalg>(&getContext(), keepContiguous);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// Calls of the declarations the kernels made for LLVM intrinsics
/// (autoglm::cpu::intrinsicCall) become the intrinsics themselves.
void lowerIntrinsicCalls(ModuleOp module) {
  SmallVector<LLVM::LLVMFuncOp> decls;
  for (auto f : module.getOps<LLVM::LLVMFuncOp>())
    if (f.isExternal() && f.getSymName().starts_with(autoglm::cpu::kIntrinsicPrefix))
      decls.push_back(f);
  for (LLVM::LLVMFuncOp f : decls) {
    StringRef name = f.getSymName().drop_front(autoglm::cpu::kIntrinsicPrefix.size());
    SmallVector<LLVM::CallOp> calls;
    module.walk([&](LLVM::CallOp call) {
      if (call.getCallee() == f.getSymName())
        calls.push_back(call);
    });
    for (LLVM::CallOp call : calls) {
      OpBuilder b(call);
      auto intr = LLVM::CallIntrinsicOp::create(b, call.getLoc(), call.getResultTypes(),
                                                b.getStringAttr(name), call.getArgOperands(),
                                                LLVM::FastmathFlagsAttr());
      call->replaceAllUsesWith(intr->getResults());
      call.erase();
    }
    f.erase();
  }
}

/// autoglm-cpu-profile-marks declared __autoglm_profile_mark(i32): its body
/// calls the function the runtime stored in the library's exported
/// `autoglm_profile_hook` pointer (docs/profiling.md), if any.
void defineProfileMark(ModuleOp module) {
  auto mark = module.lookupSymbol<LLVM::LLVMFuncOp>("__autoglm_profile_mark");
  if (!mark || !mark.isExternal())
    return;
  MLIRContext *ctx = module.getContext();
  Location loc = mark.getLoc();
  auto ptrTy = LLVM::LLVMPointerType::get(ctx);
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToStart(module.getBody());
  auto hook = LLVM::GlobalOp::create(b, loc, ptrTy, /*isConstant=*/false, LLVM::Linkage::External,
                                     "autoglm_profile_hook", Attribute());
  b.setInsertionPointToStart(b.createBlock(&hook.getInitializerRegion()));
  LLVM::ReturnOp::create(b, loc, ValueRange{LLVM::ZeroOp::create(b, loc, ptrTy)});

  mark.setLinkage(LLVM::Linkage::Internal);
  Block *entry = mark.addEntryBlock(b);
  Block *callBlock = b.createBlock(&mark.getBody());
  Block *done = b.createBlock(&mark.getBody());
  b.setInsertionPointToStart(entry);
  Value fn = LLVM::LoadOp::create(b, loc, ptrTy, LLVM::AddressOfOp::create(b, loc, hook));
  Value set = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, fn,
                                   LLVM::ZeroOp::create(b, loc, ptrTy));
  LLVM::CondBrOp::create(b, loc, set, callBlock, done);
  b.setInsertionPointToStart(callBlock);
  LLVM::CallOp::create(b, loc, mark.getFunctionType(), ValueRange{fn, entry->getArgument(0)});
  LLVM::BrOp::create(b, loc, done);
  b.setInsertionPointToStart(done);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
}

struct CPUEntryPointPass
    : autoglm::impl::CPUEntryPointBase<CPUEntryPointPass> {
  using CPUEntryPointBase::CPUEntryPointBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    lowerIntrinsicCalls(module);
    defineProfileMark(module);
    auto model = module.lookupSymbol<LLVM::LLVMFuncOp>(funcName);
    if (!model) {
      module.emitError() << "no lowered model function '" << funcName << "'";
      return signalPassFailure();
    }
    auto ptrTy = LLVM::LLVMPointerType::get(&getContext());
    for (Type t : model.getFunctionType().getParams())
      if (t != ptrTy) {
        model.emitError() << "model function parameters must be bare pointers "
                             "(static shapes), found "
                          << t;
        return signalPassFailure();
      }
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    Location loc = model.getLoc();
    auto voidTy = LLVM::LLVMVoidType::get(&getContext());
    auto entry = LLVM::LLVMFuncOp::create(
        b, loc, "autoglm_entry", LLVM::LLVMFunctionType::get(voidTy, {ptrTy}));
    Block *body = entry.addEntryBlock(b);
    b.setInsertionPointToStart(body);
    SmallVector<Value> args;
    for (unsigned i = 0; i < model.getNumArguments(); ++i) {
      Value slot = LLVM::GEPOp::create(b, loc, ptrTy, ptrTy, body->getArgument(0),
                                       ArrayRef<LLVM::GEPArg>{(int32_t)i});
      args.push_back(LLVM::LoadOp::create(b, loc, ptrTy, slot));
    }
    LLVM::CallOp::create(b, loc, model, args);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
    model.setLinkage(LLVM::Linkage::Internal);

    // autoglm_set_num_threads(int): the runtime calls it on the thread that
    // runs the model; it sets OpenMP's thread count when the model has
    // parallel loops and does nothing otherwise.
    bool parallel = false;
    module.walk([&](Operation *op) {
      if (op->getDialect() && op->getDialect()->getNamespace() == "omp")
        parallel = true;
    });
    auto i32 = b.getI32Type();
    b.setInsertionPointToEnd(module.getBody());
    auto setter = LLVM::LLVMFuncOp::create(
        b, loc, "autoglm_set_num_threads", LLVM::LLVMFunctionType::get(voidTy, {i32}));
    Block *sb = setter.addEntryBlock(b);
    if (parallel) {
      b.setInsertionPointToEnd(module.getBody());
      auto omp = LLVM::LLVMFuncOp::create(b, loc, "omp_set_num_threads",
                                          LLVM::LLVMFunctionType::get(voidTy, {i32}));
      b.setInsertionPointToStart(sb);
      LLVM::CallOp::create(b, loc, omp, ValueRange{sb->getArgument(0)});
    }
    b.setInsertionPointToEnd(sb);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  }
};

struct MathApproximationPass
    : autoglm::impl::MathApproximationBase<MathApproximationPass> {
  using MathApproximationBase::MathApproximationBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Composite ops first become the primitive ones below (each expansion
    // math::populateExpansionPatterns knows, by mnemonic).
    SmallVector<StringRef> expand = {"ctlz",  "sinh",  "cosh",  "tan",   "tanh",
                                     "asinh", "acosh", "atanh", "fma",   "exp2",
                                     "powf",  "fpowi", "round", "rsqrt", "clampf"};
    if (!nativeRounding)
      expand.append({"ceil", "roundeven"});
    math::populateExpansionPatterns(patterns, expand);
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef) { return true; });
    populateMathF32ExpansionPatterns(patterns, [](StringRef) { return true; });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

struct InlineAllocaScopesPass
    : autoglm::impl::InlineAllocaScopesBase<InlineAllocaScopesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation().walk([&](memref::AllocaScopeOp op) { scopes.push_back(op); });
    IRRewriter rw(&getContext());
    for (memref::AllocaScopeOp op : llvm::reverse(scopes)) {
      Block &body = op.getBodyRegion().front();
      auto ret = cast<memref::AllocaScopeReturnOp>(body.getTerminator());
      SmallVector<Value> results(ret.getResults());
      rw.eraseOp(ret);
      rw.inlineBlockBefore(&body, op);
      rw.replaceOp(op, results);
    }
  }
};

struct CPUGeneralizeContractionsPass
    : autoglm::impl::CPUGeneralizeContractionsBase<CPUGeneralizeContractionsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
        ops.push_back(cast<linalg::LinalgOp>(op));
    });
    IRRewriter rw(&getContext());
    for (linalg::LinalgOp op : ops) {
      rw.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rw, op))) {
        op->emitError("could not generalize the contraction");
        return signalPassFailure();
      }
    }
  }
};

struct CPULoopOrderPass : autoglm::impl::CPULoopOrderBase<CPULoopOrderPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      // Ops already tiled (inside scf.for) are the register-tiled kernels.
      if (op.getNumDpsInputs() >= 2 && op.getNumDpsInits() == 1 &&
          op.getNumReductionLoops() > 0 && !op->getParentOfType<scf::ForOp>())
        ops.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (linalg::GenericOp op : ops) {
      AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
      if (out.getNumResults() == 0)
        continue;
      auto last = dyn_cast<AffineDimExpr>(out.getResults().back());
      if (!last)
        continue;
      unsigned inner = last.getPosition();
      auto iters = op.getIteratorTypesArray();
      SmallVector<unsigned> order;
      for (unsigned i = 0; i < iters.size(); ++i)
        if (iters[i] == utils::IteratorType::parallel && i != inner)
          order.push_back(i);
      for (unsigned i = 0; i < iters.size(); ++i)
        if (iters[i] == utils::IteratorType::reduction)
          order.push_back(i);
      order.push_back(inner);
      if (llvm::equal(order, llvm::seq<unsigned>(0, order.size())))
        continue;
      rw.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rw, op, order)))
        return signalPassFailure();
    }
  }
};

struct CPUIndexBitsPass : autoglm::impl::CPUIndexBitsBase<CPUIndexBitsPass> {
  using CPUIndexBitsBase::CPUIndexBitsBase;
  void runOnOperation() override {
    if (bits == 64)
      return;
    if (bits != 32) {
      getOperation().emitError() << "autoglm-cpu-index-bits: bits must be 32 or 64, not "
                                 << static_cast<unsigned>(bits);
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    auto entry = DataLayoutEntryAttr::get(IndexType::get(ctx),
                                          IntegerAttr::get(IntegerType::get(ctx, 64), bits));
    getOperation()->setAttr(DLTIDialect::kDataLayoutAttrName,
                            DataLayoutSpecAttr::get(ctx, {entry}));
  }
};

struct F64ToF16ViaOdd : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op, PatternRewriter &rw) const override {
    Type from = getElementTypeOrSelf(op.getIn().getType());
    Type to = getElementTypeOrSelf(op.getType());
    if (!from.isF64() || !to.isF16())
      return failure();
    Location loc = op.getLoc();
    auto like = [&](Type element) -> Type {
      if (auto v = dyn_cast<VectorType>(op.getType()))
        return v.clone(element);
      return element;
    };
    Type f32 = like(rw.getF32Type()), i32 = like(rw.getI32Type());
    auto splat = [&](int64_t v) -> Value {
      Attribute a = rw.getI32IntegerAttr(v);
      if (auto vt = dyn_cast<VectorType>(i32))
        a = DenseElementsAttr::get(vt, a);
      return arith::ConstantOp::create(rw, loc, i32, cast<TypedAttr>(a));
    };
    Value x = op.getIn();
    Value near = arith::TruncFOp::create(rw, loc, f32, x);
    Value back = arith::ExtFOp::create(rw, loc, x.getType(), near);
    Value inexact = arith::CmpFOp::create(rw, loc, arith::CmpFPredicate::UNE, back, x);
    Value away = arith::CmpFOp::create(rw, loc, arith::CmpFPredicate::OGT,
                                       math::AbsFOp::create(rw, loc, back),
                                       math::AbsFOp::create(rw, loc, x));
    Value bits = arith::BitcastOp::create(rw, loc, i32, near);
    // Floats order like sign-magnitude integers: one less is one step toward
    // zero.
    Value toward = arith::SelectOp::create(rw, loc, away,
                                           arith::SubIOp::create(rw, loc, bits, splat(1)), bits);
    Value odd = arith::SelectOp::create(rw, loc, inexact,
                                        arith::OrIOp::create(rw, loc, toward, splat(1)), bits);
    Value f = arith::BitcastOp::create(rw, loc, f32, odd);
    rw.replaceOpWithNewOp<arith::TruncFOp>(op, op.getType(), f);
    return success();
  }
};

struct CPUExpandF64ToF16Pass : autoglm::impl::CPUExpandF64ToF16Base<CPUExpandF64ToF16Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<F64ToF16ViaOdd>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// Integer and float helpers for the soft f16 patterns, on scalars or on
/// vectors shaped like `like`.
struct Bits {
  PatternRewriter &rw;
  Location loc;
  Type shapeLike;
  Type of(Type element) const {
    if (auto v = dyn_cast<VectorType>(shapeLike))
      return v.clone(element);
    return element;
  }
  /// A constant (splat on vectors).
  Value constant(TypedAttr a) const {
    Type t = of(a.getType());
    if (auto vt = dyn_cast<VectorType>(t))
      a = DenseElementsAttr::get(vt, Attribute(a));
    return arith::ConstantOp::create(rw, loc, t, a);
  }
  Value i32(int64_t v) const { return constant(rw.getI32IntegerAttr(v)); }
  Value f32(float v) const { return constant(rw.getF32FloatAttr(v)); }
  Value andI(Value a, int64_t m) const { return arith::AndIOp::create(rw, loc, a, i32(m)); }
  Value shr(Value a, int64_t s) const { return arith::ShRUIOp::create(rw, loc, a, i32(s)); }
  Value shl(Value a, int64_t s) const { return arith::ShLIOp::create(rw, loc, a, i32(s)); }
  Value orI(Value a, Value b) const { return arith::OrIOp::create(rw, loc, a, b); }
  Value add(Value a, Value b) const { return arith::AddIOp::create(rw, loc, a, b); }
  Value cmp(arith::CmpIPredicate p, Value a, int64_t b) const {
    return arith::CmpIOp::create(rw, loc, p, a, i32(b));
  }
  Value sel(Value cond, Value a, Value b) const {
    return arith::SelectOp::create(rw, loc, cond, a, b);
  }
};

/// f16 -> f32 (exact), and on to f64.
struct SoftExtF16 : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::ExtFOp op, PatternRewriter &rw) const override {
    if (!getElementTypeOrSelf(op.getIn().getType()).isF16())
      return failure();
    Bits b{rw, op.getLoc(), op.getType()};
    Type i16 = b.of(rw.getI16Type()), i32 = b.of(rw.getI32Type()), f32 = b.of(rw.getF32Type());
    Value h = arith::ExtUIOp::create(rw, b.loc, i32,
                                     arith::BitcastOp::create(rw, b.loc, i16, op.getIn()));
    Value sign = b.shl(b.andI(h, 0x8000), 16);
    Value exp = b.andI(b.shr(h, 10), 0x1f);
    Value man = b.andI(h, 0x3ff);
    // Normal: rebias the exponent (127 - 15 = 112); infinity / NaN: all ones.
    Value normal = b.orI(b.shl(b.add(exp, b.i32(112)), 23), b.shl(man, 13));
    Value special = b.orI(b.i32(0x7f800000), b.shl(man, 13));
    // Zero / subnormal: man * 2^-24, exact in f32.
    Value small = arith::MulFOp::create(rw, b.loc, arith::UIToFPOp::create(rw, b.loc, f32, man),
                                        b.f32(0x1p-24f));
    Value smallBits = arith::BitcastOp::create(rw, b.loc, i32, small);
    Value bits = b.sel(b.cmp(arith::CmpIPredicate::eq, exp, 0), smallBits,
                       b.sel(b.cmp(arith::CmpIPredicate::eq, exp, 31), special, normal));
    Value f = arith::BitcastOp::create(rw, b.loc, f32, b.orI(bits, sign));
    if (getElementTypeOrSelf(op.getType()).isF32())
      rw.replaceOp(op, f);
    else
      rw.replaceOpWithNewOp<arith::ExtFOp>(op, op.getType(), f);
    return success();
  }
};

/// f32 -> f16, rounded to nearest even.
struct SoftTruncF16 : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op, PatternRewriter &rw) const override {
    if (!getElementTypeOrSelf(op.getType()).isF16() ||
        !getElementTypeOrSelf(op.getIn().getType()).isF32())
      return failure();
    Bits b{rw, op.getLoc(), op.getType()};
    Type i16 = b.of(rw.getI16Type()), i32 = b.of(rw.getI32Type()), f32 = b.of(rw.getF32Type());
    Value u = arith::BitcastOp::create(rw, b.loc, i32, op.getIn());
    Value sign = b.andI(b.shr(u, 16), 0x8000);
    Value a = b.andI(u, 0x7fffffff);
    using P = arith::CmpIPredicate;
    // NaN: quiet, keeping the payload's top bits; infinity and >= 65520:
    // infinity.
    Value nan = b.orI(b.i32(0x7e00), b.andI(b.shr(a, 13), 0x3ff));
    Value big = b.sel(b.cmp(P::ugt, a, 0x7f800000), nan, b.i32(0x7c00));
    // Normal: rebias, then round to nearest even on the 13 dropped bits.
    Value r = arith::SubIOp::create(rw, b.loc, a, b.i32(0x38000000));
    Value normal = b.shr(b.add(b.add(r, b.i32(0xfff)), b.andI(b.shr(r, 13), 1)), 13);
    // Subnormal or zero: adding 0.5 lines the f16 subnormal's bits up with
    // f32's mantissa, rounded by the FPU (to nearest even).
    Value half = arith::BitcastOp::create(rw, b.loc, f32, b.i32(0x3f000000));
    Value sum = arith::AddFOp::create(rw, b.loc, arith::BitcastOp::create(rw, b.loc, f32, a), half);
    Value small = arith::SubIOp::create(rw, b.loc, arith::BitcastOp::create(rw, b.loc, i32, sum),
                                        b.i32(0x3f000000));
    Value bits = b.sel(b.cmp(P::uge, a, 0x477ff000), big,
                       b.sel(b.cmp(P::uge, a, 0x38800000), normal, small));
    Value h = arith::TruncIOp::create(rw, b.loc, i16, b.orI(bits, sign));
    rw.replaceOpWithNewOp<arith::BitcastOp>(op, op.getType(), h);
    return success();
  }
};

struct CPUSoftF16Pass : autoglm::impl::CPUSoftF16Base<CPUSoftF16Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<F64ToF16ViaOdd, SoftExtF16, SoftTruncF16>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
