# split_samples.py STACKED.pb OUTDIR N [--nan]: writes the first N samples
# of a stacked float TensorProto as OUTDIR/sample_<i>.pb (one sample each;
# with --nan, the first element of each is NaN), in plain Python (no numpy,
# no onnx package).
import struct
import sys


def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def fields(buf):
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = varint(buf, i)
        elif wire == 2:
            n, i = varint(buf, i)
            v = buf[i:i + n]
            i += n
        elif wire == 5:
            v = buf[i:i + 4]
            i += 4
        elif wire == 1:
            v = buf[i:i + 8]
            i += 8
        else:
            raise ValueError("unexpected wire type %d" % wire)
        yield num, wire, v


def enc_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def main():
    src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    dims, raw, dtype = [], None, None
    for num, wire, v in fields(open(src, "rb").read()):
        if num == 1 and wire == 0:
            dims.append(v)
        elif num == 1 and wire == 2:  # packed dims
            j = 0
            while j < len(v):
                d, j = varint(v, j)
                dims.append(d)
        elif num == 2:
            dtype = v
        elif num == 9:
            raw = v
    assert dtype == 1 and raw is not None, "expects float32 raw_data"
    per = len(raw) // dims[0]
    for s in range(min(n, dims[0])):
        data = raw[s * per:(s + 1) * per]
        if "--nan" in sys.argv:
            data = struct.pack("<f", float("nan")) + data[4:]
        msg = b"".join(b"\x08" + enc_varint(d) for d in [1] + dims[1:])
        msg += b"\x10\x01" + b"\x4a" + enc_varint(per) + data
        with open("%s/sample_%03d.pb" % (out, s), "wb") as f:
            f.write(msg)


main()
