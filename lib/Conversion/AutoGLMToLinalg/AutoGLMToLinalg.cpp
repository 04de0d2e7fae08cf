//===- AutoGLMToLinalg.cpp - the autoglm-to-linalg conversion pass -*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "autoglm/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace mlir::autoglm {
#define GEN_PASS_DEF_CONVERTAUTOGLMTOLINALG
#define GEN_PASS_DEF_VERIFYNOAUTOGLM
#include "autoglm/Conversion/Passes.h.inc"
} // namespace mlir::autoglm

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

/// attention -> matmul(softmax(scale * q kᵀ (+ mask)), v) in core ops, so the
/// lowering has one path for matmul and softmax.
struct DecomposeAttention : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rw) const override {
    Location loc = op.getLoc();
    auto qt = op.getQuery().getType();
    int64_t r = qt.getRank();
    Type elem = qt.getElementType();
    SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, r));
    std::swap(perm[r - 1], perm[r - 2]);
    Value kT = TransposeOp::create(rw, loc, op.getKey(), perm);
    Value s = MatMulOp::create(rw, loc, op.getQuery(), kT);
    auto st = cast<RankedTensorType>(s.getType());
    auto scalar = [&](Type t, Attribute v) {
      return ConstantOp::create(
          rw, loc, DenseElementsAttr::get(RankedTensorType::get({}, t), v));
    };
    Value scale = scalar(elem, rw.getFloatAttr(elem, op.getScale().convertToDouble()));
    s = BinaryOp::create(rw, loc, BinaryKind::Mul, s, scale);
    Value negInf = scalar(elem, rw.getFloatAttr(elem, -std::numeric_limits<double>::infinity()));
    if (Value m = op.getMask()) {
      auto mt = cast<RankedTensorType>(m.getType());
      if (mt.getElementType().isInteger(1))
        s = SelectOp::create(rw, loc, m, s, negInf);
      else
        s = BinaryOp::create(rw, loc, BinaryKind::Add, s, m);
    }
    if (op.getCausal() && !st.hasStaticShape()) {
      // Open sequence lengths: keep[i, j] = j <= i + (sk - sq), computed.
      Value sq = tensor::DimOp::create(rw, loc, s, r - 2);
      Value sk = tensor::DimOp::create(rw, loc, s, r - 1);
      Value shift = arith::SubIOp::create(rw, loc, sk, sq);
      auto maskTy = RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                                          rw.getI1Type());
      Value empty = tensor::EmptyOp::create(rw, loc, maskTy.getShape(), rw.getI1Type(),
                                            ValueRange{sq, sk});
      AffineMap id = AffineMap::getMultiDimIdentityMap(2, rw.getContext());
      SmallVector<utils::IteratorType> par(2, utils::IteratorType::parallel);
      Value keep = linalg::GenericOp::create(
                       rw, loc, maskTy, ValueRange{}, ValueRange{empty},
                       ArrayRef<AffineMap>{id}, par,
                       [&](OpBuilder &b, Location l, ValueRange) {
                         Value i = linalg::IndexOp::create(b, l, 0);
                         Value j = linalg::IndexOp::create(b, l, 1);
                         Value lim = arith::AddIOp::create(b, l, i, shift);
                         linalg::YieldOp::create(
                             b, l, ValueRange{arith::CmpIOp::create(
                                       b, l, arith::CmpIPredicate::sle, j, lim)});
                       })
                       .getResult(0);
      s = SelectOp::create(rw, loc, keep, s, negInf);
    } else if (op.getCausal()) {
      int64_t sq = st.getDimSize(r - 2), sk = st.getDimSize(r - 1);
      SmallVector<bool> keep(sq * sk);
      for (int64_t i = 0; i < sq; ++i)
        for (int64_t j = 0; j < sk; ++j)
          keep[i * sk + j] = j <= i + (sk - sq);
      auto ct = RankedTensorType::get({sq, sk}, rw.getI1Type());
      Value c = ConstantOp::create(rw, loc, DenseElementsAttr::get(ct, ArrayRef<bool>(keep)));
      s = SelectOp::create(rw, loc, c, s, negInf);
    }
    Value p = SoftmaxOp::create(rw, loc, s, r - 1, false);
    Value out = MatMulOp::create(rw, loc, op.getType(), p, op.getValue());
    rw.replaceOp(op, out);
    return success();
  }
};

/// String tensors lower to tensors of element addresses, so ops that only
/// move elements are right for them as they are; any other op on strings
/// (a comparison would compare addresses) is refused here, at its node.
LogicalResult checkStringOps(ModuleOp module) {
  auto isString = [](Type t) {
    auto st = dyn_cast<ShapedType>(t);
    return st && isa<StringType>(st.getElementType());
  };
  WalkResult r = module.walk([&](Operation *op) {
    if (!isa<AutoGLMDialect>(op->getDialect()) ||
        isa<StringNormalizeOp, CastOp, ReshapeOp, TransposeOp, SliceOp, ConcatOp, SplitOp, GatherOp,
            ExpandOp, TileOp>(op))
      return WalkResult::advance();
    if (llvm::any_of(op->getOperandTypes(), isString) ||
        llvm::any_of(op->getResultTypes(), isString)) {
      op->emitError() << "'" << op->getName()
                      << "' on string tensors is not supported by the CPU backend "
                         "(strings only pass through data movement, Cast and "
                         "StringNormalizer)";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(r.wasInterrupted());
}

struct ConvertAutoGLMToLinalgPass
    : autoglm::impl::ConvertAutoGLMToLinalgBase<ConvertAutoGLMToLinalgPass> {
  using ConvertAutoGLMToLinalgBase::ConvertAutoGLMToLinalgBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    if (failed(checkStringOps(module)) || failed(addStatusArgument(module)) ||
        failed(bindOpenArguments(module, /*beforeConversion=*/true)))
      return signalPassFailure();
    {
      RewritePatternSet pre(ctx);
      pre.add<DecomposeAttention>(ctx);
      if (failed(applyPatternsGreedily(module, std::move(pre))))
        return signalPassFailure();
    }
    AutoGLMTypeConverter tc;
    ConversionTarget target(*ctx);
    target.addIllegalDialect<AutoGLMDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect, math::MathDialect,
                           tensor::TensorDialect, scf::SCFDialect, LLVM::LLVMDialect,
                           affine::AffineDialect, memref::MemRefDialect, vector::VectorDialect,
                           bufferization::BufferizationDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp f) {
      return tc.isSignatureLegal(f.getFunctionType()) && tc.isLegal(&f.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return tc.isLegal(op); });

    RewritePatternSet patterns(ctx);
    populateElementwisePatterns(tc, patterns);
    populateContractionPatterns(tc, patterns, winograd,
                                {sparseDensity, sparseParallel, sparseInt8Dot});
    populateReductionPatterns(tc, patterns);
    populateDataMovementPatterns(tc, patterns);
    populateStringPatterns(tc, patterns);
    populateBoundedPatterns(tc, patterns);
    populateKVCachePatterns(tc, patterns, gpuCacheAttention);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, tc);
    populateReturnOpTypeConversionPattern(patterns, tc);
    populateCallOpTypeConversionPattern(patterns, tc);
    if (failed(applyPartialConversion(module, target, std::move(patterns))) ||
        failed(lowering::expandPads(module, gatherPads)) || failed(lowerFunctionBoundary(module)))
      signalPassFailure();
  }
};

struct VerifyNoAutoGLMPass : autoglm::impl::VerifyNoAutoGLMBase<VerifyNoAutoGLMPass> {
  void runOnOperation() override {
    WalkResult r = getOperation().walk([](Operation *op) {
      if (isa<AutoGLMDialect>(op->getDialect())) {
        op->emitError() << "'" << op->getName()
                        << "' is left after lowering: the CPU backend has no "
                           "lowering for it yet";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
