//===- String.cpp - lowering of string ops, and bounded results ----*- C++ -*-===//
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
// A string tensor lowers to a tensor of index: each element is the address
// of a NUL-terminated byte string. String ops are loops over those bytes in
// scf + the LLVM dialect (loads and stores through the addresses); the bytes
// they produce live in one block per op that the generated code allocates
// with malloc and hands to the runtime, which frees it before the next run
// (docs/architecture.md, "String tensors" and "Bounded results").
//===----------------------------------------------------------------------===//

#include "Common.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include <fmt/format.h>

using namespace mlir;
using namespace mlir::autoglm;
using namespace mlir::autoglm::lowering;

namespace {

/// Byte-level builders for one lowering.
struct Bytes {
  OpBuilder &b;
  Location loc;
  Type i8, i64, ptr;

  Bytes(OpBuilder &b, Location loc)
      : b(b), loc(loc), i8(b.getI8Type()), i64(b.getI64Type()),
        ptr(LLVM::LLVMPointerType::get(b.getContext())) {}

  Value c8(int v) { return arith::ConstantIntOp::create(b, loc, i8, v); }
  Value c64(int64_t v) { return arith::ConstantIntOp::create(b, loc, i64, v); }
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value toPtr(Value address) {
    Value i = arith::IndexCastUIOp::create(b, loc, i64, address);
    return LLVM::IntToPtrOp::create(b, loc, ptr, i);
  }
  Value toIndex(Value p) {
    Value i = LLVM::PtrToIntOp::create(b, loc, i64, p);
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), i);
  }
  Value at(Value p, Value offset) {
    return LLVM::GEPOp::create(b, loc, ptr, i8, p, ArrayRef<LLVM::GEPArg>{offset});
  }
  Value load(Value p, Value offset) { return LLVM::LoadOp::create(b, loc, i8, at(p, offset)); }
  Value eq(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
  }
  /// lo <= c <= hi, unsigned bytes.
  Value inRange(Value c, int lo, int hi) {
    Value d = arith::SubIOp::create(b, loc, c, c8(lo));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, d, c8(hi - lo));
  }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value notI(Value x) {
    return arith::XOrIOp::create(b, loc, x, arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
  }

  /// The byte `c` (preceded by `prev`) in the other case: ASCII letters,
  /// and the Latin-1 letters U+00C0..U+00FE (UTF-8 0xC3 0x80..0xBE, not
  /// x / ÷), whose upper and lower forms have the same length.
  Value mapCase(Value c, Value prev, StringCase kind) {
    if (kind == StringCase::None)
      return c;
    Value afterC3 = eq(prev, c8(0xC3));
    bool up = kind == StringCase::Upper;
    Value ascii = up ? inRange(c, 'a', 'z') : inRange(c, 'A', 'Z');
    Value latin = up ? andI(inRange(c, 0xA0, 0xBE), notI(eq(c, c8(0xB7))))
                     : andI(inRange(c, 0x80, 0x9E), notI(eq(c, c8(0x97))));
    Value change = orI(ascii, andI(afterC3, latin));
    Value moved = up ? arith::SubIOp::create(b, loc, c, c8(0x20)).getResult()
                     : arith::AddIOp::create(b, loc, c, c8(0x20)).getResult();
    return arith::SelectOp::create(b, loc, change, moved, c);
  }

  /// strlen(p) as i64.
  Value length(Value p) {
    auto w = scf::WhileOp::create(
        b, loc, TypeRange{i64}, ValueRange{c64(0)},
        [&](OpBuilder &, Location, ValueRange args) {
          Value more = notI(eq(load(p, args[0]), c8(0)));
          scf::ConditionOp::create(b, loc, more, args);
        },
        [&](OpBuilder &, Location, ValueRange args) {
          scf::YieldOp::create(b, loc, ValueRange{arith::AddIOp::create(b, loc, args[0], c64(1))});
        });
    return w.getResult(0);
  }

  /// Whether the strings at `x` and `y` are equal, byte for byte or both
  /// folded to lower case.
  Value equal(Value x, Value y, bool caseSensitive) {
    Type i1 = b.getI1Type();
    auto w = scf::WhileOp::create(
        b, loc, TypeRange{i64, i8, i1},
        ValueRange{c64(0), c8(0), arith::ConstantIntOp::create(b, loc, i1, 1)},
        [&](OpBuilder &, Location, ValueRange args) {
          Value cx = load(x, args[0]), cy = load(y, args[0]);
          Value same = caseSensitive
                           ? eq(cx, cy)
                           : eq(mapCase(cx, args[1], StringCase::Lower),
                                mapCase(cy, args[1], StringCase::Lower));
          Value more = andI(same, notI(eq(cx, c8(0))));
          scf::ConditionOp::create(b, loc, more, ValueRange{args[0], cx, same});
        },
        [&](OpBuilder &, Location, ValueRange args) {
          Value next = arith::AddIOp::create(b, loc, args[0], c64(1));
          Value t = arith::ConstantIntOp::create(b, loc, i1, 1);
          scf::YieldOp::create(b, loc, ValueRange{next, args[1], t});
        });
    return w.getResult(2);
  }

  /// Copies the string at `src` with its NUL to `dst`, changing case;
  /// returns the bytes written (i64).
  Value copy(Value src, Value dst, StringCase kind) {
    auto w = scf::WhileOp::create(
        b, loc, TypeRange{i64, i8}, ValueRange{c64(0), c8(0)},
        [&](OpBuilder &, Location, ValueRange args) {
          Value c = load(src, args[0]);
          LLVM::StoreOp::create(b, loc, mapCase(c, args[1], kind), at(dst, args[0]));
          Value more = notI(eq(c, c8(0)));
          scf::ConditionOp::create(b, loc, more, ValueRange{args[0], c});
        },
        [&](OpBuilder &, Location, ValueRange args) {
          scf::YieldOp::create(
              b, loc, ValueRange{arith::AddIOp::create(b, loc, args[0], c64(1)), args[1]});
        });
    return arith::AddIOp::create(b, loc, w.getResult(0), c64(1));
  }
};

/// A private constant global holding `s` and its NUL; one per distinct
/// string, named by content so that the artifact is deterministic.
Value stringConstant(OpBuilder &b, Location loc, ModuleOp module, StringRef s) {
  uint64_t h = 1469598103934665603ull; // FNV-1a
  for (unsigned char c : s)
    h = (h ^ c) * 1099511628211ull;
  std::string value = s.str() + '\0';
  std::string name;
  LLVM::GlobalOp global;
  for (int n = 0;; ++n) {
    name = fmt::format("__autoglm_str_{:016x}{}", h, n ? fmt::format("_{}", n) : "");
    global = module.lookupSymbol<LLVM::GlobalOp>(name);
    if (!global)
      break;
    if (auto v = dyn_cast_or_null<StringAttr>(global.getValueOrNull());
        v && v.getValue() == value)
      break;
  }
  if (!global) {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(module.getBody());
    auto ty = LLVM::LLVMArrayType::get(b.getI8Type(), value.size());
    global = LLVM::GlobalOp::create(b, loc, ty, /*isConstant=*/true,
                                    LLVM::Linkage::Private, name,
                                    b.getStringAttr(value));
  }
  return LLVM::AddressOfOp::create(b, loc, global);
}

LLVM::LLVMFuncOp mallocDecl(OpBuilder &b, ModuleOp module) {
  if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>("malloc"))
    return f;
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(module.getBody());
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  return LLVM::LLVMFuncOp::create(
      b, module.getLoc(), "malloc",
      LLVM::LLVMFunctionType::get(ptr, {b.getI64Type()}));
}

struct LowerStringNormalize : OpConversionPattern<StringNormalizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StringNormalizeOp op, OpAdaptor a,
                  ConversionPatternRewriter &rw) const override {
    auto inT = cast<RankedTensorType>(a.getInput().getType());
    if (!inT.hasStaticShape())
      return op.emitError() << "a string input with dynamic extents is not "
                               "lowered by the CPU backend yet";
    auto resT = cast<RankedTensorType>(getTypeConverter()->convertType(op.getType()));
    Location loc = op.getLoc();
    auto module = op->getParentOfType<ModuleOp>();
    Bytes y(rw, loc);
    int64_t rank = inT.getRank(), c = inT.getShape().back();
    bool removes = !op.getStopwords().empty();
    SmallVector<int64_t> bufShape = *resultBound(op.getResult());
    auto element = [&](Value t, Value i, Value v = {}) -> Value {
      SmallVector<Value> ix;
      if (rank == 2)
        ix.push_back(y.idx(0));
      ix.push_back(i);
      if (v)
        return tensor::InsertOp::create(rw, loc, v, t, ix);
      return tensor::ExtractOp::create(rw, loc, t, ix);
    };
    Value zero = y.idx(0), one = y.idx(1), cIdx = y.idx(c);

    // Bytes needed: every input string with its NUL, and one more for "".
    auto total = scf::ForOp::create(
        rw, loc, zero, cIdx, one, ValueRange{y.c64(1)},
        [&](OpBuilder &, Location, Value i, ValueRange acc) {
          Value n = y.length(y.toPtr(element(a.getInput(), i)));
          Value sum = arith::AddIOp::create(rw, loc, acc[0], n);
          scf::YieldOp::create(rw, loc, ValueRange{arith::AddIOp::create(rw, loc, sum, y.c64(1))});
        });
    auto call = LLVM::CallOp::create(rw, loc, mallocDecl(rw, module),
                                     ValueRange{total.getResult(0)});
    call->setAttr(kStorageAttr, rw.getUnitAttr());
    Value block = call.getResult();

    SmallVector<Value> stopwords;
    for (Attribute w : op.getStopwords())
      stopwords.push_back(stringConstant(rw, loc, module, cast<StringAttr>(w).getValue()));
    StringCase kind = op.getCaseChange();
    bool caseSensitive = op.getCaseSensitive();

    Value buf = linalg::FillOp::create(
                    rw, loc, ValueRange{zero},
                    ValueRange{tensor::EmptyOp::create(rw, loc, bufShape, rw.getIndexType())})
                    .getResult(0);
    auto loop = scf::ForOp::create(
        rw, loc, zero, cIdx, one, ValueRange{buf, zero, y.c64(0)},
        [&](OpBuilder &, Location, Value i, ValueRange it) {
          Value s = y.toPtr(element(a.getInput(), i));
          Value keep = arith::ConstantIntOp::create(rw, loc, rw.getI1Type(), 1);
          for (Value w : stopwords)
            keep = y.andI(keep, y.notI(y.equal(s, w, caseSensitive)));
          auto ifOp = scf::IfOp::create(
              rw, loc, keep,
              [&](OpBuilder &, Location) {
                Value dst = y.at(block, it[2]);
                Value n = y.copy(s, dst, kind);
                Value out = element(it[0], it[1], y.toIndex(dst));
                scf::YieldOp::create(rw, loc,
                                     ValueRange{out, arith::AddIOp::create(rw, loc, it[1], one),
                                                arith::AddIOp::create(rw, loc, it[2], n)});
              },
              [&](OpBuilder &, Location) { scf::YieldOp::create(rw, loc, it); });
          scf::YieldOp::create(rw, loc, ifOp.getResults());
        });
    Value out = loop.getResult(0), count = loop.getResult(1);
    if (!removes) {
      rw.replaceOp(op, out);
      return success();
    }
    // Nothing survived: one empty string (the spare byte at the end).
    Value none = arith::CmpIOp::create(rw, loc, arith::CmpIPredicate::eq, count, zero);
    auto empty = scf::IfOp::create(
        rw, loc, none,
        [&](OpBuilder &, Location) {
          Value dst = y.at(block, loop.getResult(2));
          LLVM::StoreOp::create(rw, loc, y.c8(0), dst);
          scf::YieldOp::create(rw, loc, ValueRange{element(out, zero, y.toIndex(dst)), one});
        },
        [&](OpBuilder &, Location) { scf::YieldOp::create(rw, loc, ValueRange{out, count}); });
    SmallVector<OpFoldResult> offsets(rank, rw.getIndexAttr(0)), strides(rank, rw.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d + 1 < rank; ++d)
      sizes.push_back(rw.getIndexAttr(bufShape[d]));
    sizes.push_back(empty.getResult(1));
    Value res = tensor::ExtractSliceOp::create(rw, loc, resT, empty.getResult(0), offsets,
                                               sizes, strides);
    rw.replaceOp(op, res);
    return success();
  }
};

/// A C library function of `type`, declared once per module.
LLVM::LLVMFuncOp libcDecl(OpBuilder &b, ModuleOp module, StringRef name,
                          LLVM::LLVMFunctionType type) {
  if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return f;
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(module.getBody());
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), name, type);
}

/// `body(indices, t)` for every element of a static `shape` in row-major
/// order, threading the tensor `t` through nested loops; returns the last.
Value forEachElement(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Value init,
                     llvm::function_ref<Value(ValueRange, Value)> body,
                     SmallVector<Value> ix = {}) {
  if (ix.size() == shape.size())
    return body(ix, init);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value n = arith::ConstantIndexOp::create(b, loc, shape[ix.size()]);
  auto f = scf::ForOp::create(
      b, loc, zero, n, one, ValueRange{init}, [&](OpBuilder &, Location, Value i, ValueRange it) {
        SmallVector<Value> next(ix);
        next.push_back(i);
        scf::YieldOp::create(b, loc, forEachElement(b, loc, shape, it[0], body, next));
      });
  return f.getResult(0);
}

/// Bytes each formatted number may take ("%.17g" of a double, sign,
/// exponent, ".0", NUL).
constexpr int64_t kNumberBytes = 32;

/// Cast between strings and numbers (ONNX Cast / CastLike with STRING).
/// Strings parse with strtof / strtod / strtoll. Floats format with the
/// fewest significant digits (printf's %g) that read back to the same
/// value, with ".0" added to integral values as numpy prints them;
/// integers in decimal. The formatted strings share one block per op that
/// the runtime frees.
struct LowerStringCast : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CastOp op, OpAdaptor a,
                                ConversionPatternRewriter &rw) const override {
    auto inT = op.getInput().getType(), outT = op.getType();
    bool fromString = isa<StringType>(inT.getElementType());
    bool toString = isa<StringType>(outT.getElementType());
    if (!fromString && !toString)
      return failure();
    if (fromString && toString) {
      rw.replaceOp(op, a.getInput());
      return success();
    }
    if (!inT.hasStaticShape())
      return op.emitError() << "a string cast with open extents is not lowered yet";
    auto resT = cast<RankedTensorType>(getTypeConverter()->convertType(outT));
    Location loc = op.getLoc();
    auto module = op->getParentOfType<ModuleOp>();
    Bytes y(rw, loc);
    Type f32 = rw.getF32Type(), f64 = rw.getF64Type(), i32 = rw.getI32Type();
    auto fn = [&](Type r, ArrayRef<Type> args, bool vararg = false) {
      return LLVM::LLVMFunctionType::get(r, args, vararg);
    };
    Value null = LLVM::ZeroOp::create(rw, loc, y.ptr);
    Value empty = tensor::EmptyOp::create(rw, loc, resT.getShape(), resT.getElementType());
    if (fromString) {
      Type elem = resT.getElementType();
      auto strtof = libcDecl(rw, module, "strtof", fn(f32, {y.ptr, y.ptr}));
      auto strtod = libcDecl(rw, module, "strtod", fn(f64, {y.ptr, y.ptr}));
      auto strtoll = libcDecl(rw, module, "strtoll", fn(y.i64, {y.ptr, y.ptr, i32}));
      Value ten = arith::ConstantIntOp::create(rw, loc, i32, 10);
      ElemInfo to = ElemInfo::of(outT);
      Value r = forEachElement(rw, loc, inT.getShape(), empty, [&](ValueRange ix, Value t) {
        Value s = y.toPtr(tensor::ExtractOp::create(rw, loc, a.getInput(), ix));
        Value v;
        if (elem.isF64())
          v = LLVM::CallOp::create(rw, loc, strtod, ValueRange{s, null}).getResult();
        else if (isa<FloatType>(elem))
          v = castScalar(rw, loc,
                         LLVM::CallOp::create(rw, loc, strtof, ValueRange{s, null}).getResult(),
                         ElemInfo::of(f32), to);
        else
          v = castScalar(
              rw, loc, LLVM::CallOp::create(rw, loc, strtoll, ValueRange{s, null, ten}).getResult(),
              ElemInfo::of(y.i64), to);
        return tensor::InsertOp::create(rw, loc, v, t, ix).getResult();
      });
      rw.replaceOp(op, r);
      return success();
    }

    ElemInfo from = ElemInfo::of(inT);
    auto snprintf = libcDecl(rw, module, "snprintf", fn(i32, {y.ptr, y.i64, y.ptr}, true));
    auto strtof = libcDecl(rw, module, "strtof", fn(f32, {y.ptr, y.ptr}));
    auto strtod = libcDecl(rw, module, "strtod", fn(f64, {y.ptr, y.ptr}));
    int64_t n = inT.getNumElements();
    auto call = LLVM::CallOp::create(rw, loc, mallocDecl(rw, module),
                                     ValueRange{y.c64(std::max<int64_t>(n, 1) * kNumberBytes)});
    call->setAttr(kStorageAttr, rw.getUnitAttr());
    Value block = call.getResult();
    Value cap = y.c64(kNumberBytes);
    bool isDouble = from.type.isF64();
    Value precise = stringConstant(rw, loc, module, "%.*g");
    Value decimal = stringConstant(rw, loc, module, from.isUnsigned ? "%llu" : "%lld");
    Value r = forEachElement(rw, loc, inT.getShape(), empty, [&](ValueRange ix, Value t) {
      Value x = tensor::ExtractOp::create(rw, loc, a.getInput(), ix);
      // The element's slot in the block: its row-major position.
      Value flat = y.c64(0);
      for (auto [d, i] : llvm::enumerate(ix)) {
        Value ext = y.c64(inT.getDimSize(d));
        flat = arith::AddIOp::create(rw, loc, arith::MulIOp::create(rw, loc, flat, ext),
                                     arith::IndexCastOp::create(rw, loc, y.i64, i));
      }
      Value dst = y.at(block, arith::MulIOp::create(rw, loc, flat, cap));
      if (!from.isFloat) {
        Value wide = castScalar(rw, loc, x, from, ElemInfo::of(y.i64));
        LLVM::CallOp::create(rw, loc, snprintf, ValueRange{dst, cap, decimal, wide});
        return tensor::InsertOp::create(rw, loc, y.toIndex(dst), t, ix).getResult();
      }
      Value xd = castScalar(rw, loc, x, from, ElemInfo::of(f64));
      Value xs = isDouble ? xd : castScalar(rw, loc, x, from, ElemInfo::of(f32));
      int maxDigits = isDouble ? 17 : 9;
      // Digits 1, 2, ... until the string reads back as x (NaN never
      // does: it stops at the most, printing "nan").
      scf::WhileOp::create(
          rw, loc, TypeRange{i32}, ValueRange{arith::ConstantIntOp::create(rw, loc, i32, 1)},
          [&](OpBuilder &, Location, ValueRange args) {
            LLVM::CallOp::create(rw, loc, snprintf, ValueRange{dst, cap, precise, args[0], xd});
            Value back =
                LLVM::CallOp::create(rw, loc, isDouble ? strtod : strtof, ValueRange{dst, null})
                    .getResult();
            Value differs = arith::CmpFOp::create(rw, loc, arith::CmpFPredicate::UNE, back, xs);
            Value room =
                arith::CmpIOp::create(rw, loc, arith::CmpIPredicate::slt, args[0],
                                      arith::ConstantIntOp::create(rw, loc, i32, maxDigits));
            scf::ConditionOp::create(rw, loc, y.andI(differs, room), args);
          },
          [&](OpBuilder &, Location, ValueRange args) {
            scf::YieldOp::create(
                rw, loc,
                ValueRange{arith::AddIOp::create(rw, loc, args[0],
                                                 arith::ConstantIntOp::create(rw, loc, i32, 1))});
          });
      // An integral value prints without a point: add ".0" unless the
      // string has '.', an exponent or is nan / inf.
      Value len = y.length(dst);
      auto plain = scf::ForOp::create(
          rw, loc, y.c64(0), len, y.c64(1),
          ValueRange{arith::ConstantIntOp::create(rw, loc, rw.getI1Type(), 1)},
          [&](OpBuilder &, Location, Value i, ValueRange it) {
            Value c = y.load(dst, i);
            Value mark = y.orI(y.orI(y.eq(c, y.c8('.')), y.eq(c, y.c8('e'))),
                               y.orI(y.eq(c, y.c8('n')), y.eq(c, y.c8('i'))));
            scf::YieldOp::create(rw, loc, ValueRange{y.andI(it[0], y.notI(mark))});
          });
      scf::IfOp::create(rw, loc, plain.getResult(0), [&](OpBuilder &, Location) {
        LLVM::StoreOp::create(rw, loc, y.c8('.'), y.at(dst, len));
        Value next = arith::AddIOp::create(rw, loc, len, y.c64(1));
        LLVM::StoreOp::create(rw, loc, y.c8('0'), y.at(dst, next));
        LLVM::StoreOp::create(rw, loc, y.c8(0),
                              y.at(dst, arith::AddIOp::create(rw, loc, next, y.c64(1))));
        scf::YieldOp::create(rw, loc);
      });
      return tensor::InsertOp::create(rw, loc, y.toIndex(dst), t, ix).getResult();
    });
    rw.replaceOp(op, r);
    return success();
  }
};

} // namespace

void lowering::populateStringPatterns(TypeConverter &tc, RewritePatternSet &p) {
  p.add<LowerStringNormalize>(tc, p.getContext());
  // Before the elementwise cast, which would convert addresses.
  p.add<LowerStringCast>(tc, p.getContext(), /*benefit=*/2);
}

