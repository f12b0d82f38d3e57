#!/usr/bin/python3
"""Writes tiny PNG, JPEG, BMP, GIF and WebP fixtures under tests/fixtures/images/ and what PIL decodes them to.

ImageFile (src/Vitrum.Data/Images, through ImageSharp) is cross-checked against PIL: each file's expected
pixels are PIL's decoding of it, converted the way Vitrum reports them (grey, grey+alpha, RGB or RGBA,
8 bits; 16-bit samples keep their high byte; JPEGs with their EXIF orientation applied, CMYK as RGB; BMP
and GIF as RGB, GIF's first frame). PIL cannot write interlaced, 16-bit colour or 2/4-bit grey PNGs, so
those files are assembled here from raw scanlines with zlib (no filters other than the ones named); PIL
still decodes them independently. PIL cannot write YCCK JPEGs either: ycck.jpg is a CMYK JPEG whose four
components hold Y, Cb, Cr and K values, with its Adobe marker's transform flag set to 2 (YCCK) afterwards.

converted.json holds, for every file, PIL's convert("L") and convert("RGB") of the pixels in expected.json (PIL's
own decoding, as Vitrum reports it): what DecodedImage.ToColorChannels must give bit for bit. luma_edges.png holds
colours whose ITU-R 601-2 luma lies nearest a rounding boundary of PIL's fixed-point formula.
Run once with Debian's python3-pil; tests never run it.

    /usr/bin/python3 tools/images/make_image_fixtures.py
"""
import base64
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "images")
W, H = 13, 9
rng = np.random.default_rng(7)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def pack_row(samples, depth):
    if depth == 8:
        return bytes(int(s) for s in samples)
    if depth == 16:
        return b"".join(struct.pack(">H", int(s)) for s in samples)
    bits = "".join(format(int(s), "0%db" % depth) for s in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def filtered(row, prev, bpp, f):
    out = bytearray(row)
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev else 0
        c = prev[i - bpp] if prev and i >= bpp else 0
        if f == 1:
            p = a
        elif f == 2:
            p = b
        elif f == 3:
            p = (a + b) >> 1
        elif f == 4:
            pp = a + b - c
            pa, pb, pc = abs(pp - a), abs(pp - b), abs(pp - c)
            p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        else:
            p = 0
        out[i] = (row[i] - p) & 0xFF
    return bytes([f]) + bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def raw_png(path, samples, color_type, depth, interlaced=False, plte=None, trns=None):
    """samples: [H, W, spp] integers. Filters cycle through 0-4 by row so every filter is exercised."""
    h, w, spp = samples.shape
    bpp = max(1, spp * depth // 8)
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    data, rowno = b"", 0
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = None
        for y in range(sub.shape[0]):
            row = pack_row(sub[y].reshape(-1), depth)
            data += filtered(row, prev, bpp, rowno % 5)
            prev, rowno = row, rowno + 1
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1 if interlaced else 0))
    if plte is not None:
        png += chunk(b"PLTE", bytes(plte))
    if trns is not None:
        png += chunk(b"tRNS", bytes(trns))
    half = len(zlib.compress(data)) // 2
    z = zlib.compress(data, 9)
    png += chunk(b"IDAT", z[:half]) + chunk(b"IDAT", z[half:]) + chunk(b"IEND", b"")  # two IDATs: they must be joined
    with open(os.path.join(OUT, path), "wb") as f:
        f.write(png)


def expected(path):
    im = Image.open(os.path.join(OUT, path))
    im.load()
    if im.format == "JPEG":
        im = ImageOps.exif_transpose(im)
    mode, transparent = im.mode, "transparency" in im.info
    if im.format in ("BMP", "GIF") or mode == "CMYK":
        a = np.array(im.convert("RGB"))
    elif mode in ("I;16", "I;16B", "I"):
        a = (np.array(im).astype(np.int64) >> 8).astype(np.uint8)[..., None]
        if transparent:
            key = im.info["transparency"]
            alpha = np.where(np.array(im) == key, 0, 255).astype(np.uint8)[..., None]
            a = np.concatenate([a, alpha], -1)
    elif mode in ("1", "L"):
        a = np.array(im.convert("LA" if transparent else "L"))
    elif mode == "P":
        a = np.array(im.convert("RGBA" if transparent else "RGB"))
    elif mode == "RGB" and transparent:
        a = np.array(im.convert("RGBA"))
    else:
        a = np.array(im)
    with open(os.path.join(OUT, path), "rb") as f:
        head = f.read(26)
    if head[:4] == b"\x89PNG" and head[25] == 4 and mode == "RGBA":
        a = a[..., [0, 3]]  # PIL widens 16-bit grey+alpha to RGBA; Vitrum keeps grey+alpha
    if a.ndim == 2:
        a = a[..., None]
    return {"width": int(a.shape[1]), "height": int(a.shape[0]), "channels": int(a.shape[2]),
            "pixels": base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode()}


def converted(e):
    """PIL's convert("L") and convert("RGB") of a decoded image (grey, grey+alpha, RGB or RGBA, 8 bits)."""
    a = np.frombuffer(base64.b64decode(e["pixels"]), np.uint8).reshape(e["height"], e["width"], e["channels"])
    im = Image.fromarray(a[..., 0] if e["channels"] == 1 else a, {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[e["channels"]])
    return {mode: base64.b64encode(np.ascontiguousarray(np.array(im.convert(mode)), dtype=np.uint8).tobytes()).decode() for mode in ("L", "RGB")}


def main():
    os.makedirs(OUT, exist_ok=True)
    grad = (np.add.outer(np.arange(H) * 19, np.arange(W) * 13) % 256).astype(np.uint8)
    rgb = np.stack([grad, 255 - grad, rng.integers(0, 256, (H, W))], -1).astype(np.uint8)
    rgba = np.concatenate([rgb, rng.integers(0, 256, (H, W, 1))], -1).astype(np.uint8)
    files = []

    def pil(name, im, **kw):
        im.save(os.path.join(OUT, name), **kw)
        files.append(name)

    pil("grey1.png", Image.fromarray(grad > 120))
    pil("grey8.png", Image.fromarray(grad, "L"))
    pil("la8.png", Image.fromarray(np.stack([grad, 255 - grad], -1), "LA"))
    pil("rgb8.png", Image.fromarray(rgb, "RGB"))
    pil("rgba8.png", Image.fromarray(rgba, "RGBA"))
    pil("grey16.png", Image.fromarray((grad.astype(np.uint16) * 257 + 3), "I;16"))
    pal = Image.fromarray(rgb, "RGB").quantize(colors=14)
    pil("palette4.png", pal, bits=4)
    pal8 = Image.fromarray(rgb, "RGB").quantize(colors=40)
    pil("palette8_trns.png", pal8, transparency=bytes([i * 6 for i in range(40)]))

    s16 = (rng.integers(0, 65536, (H, W, 4))).astype(np.int64)
    raw = [
        ("grey2.png", (grad[..., None] >> 6), 0, 2, False, None, None),
        ("grey4_interlaced.png", (grad[..., None] >> 4), 0, 4, True, None, None),
        ("grey8_trns.png", grad[..., None], 0, 8, False, None, [0, int(grad[2, 3])]),
        ("rgb8_interlaced.png", rgb, 2, 8, True, None, None),
        ("rgb8_trns.png", rgb, 2, 8, False, None, list(struct.pack(">HHH", *[int(v) for v in rgb[1, 1]]))),
        ("rgb16.png", s16[..., :3], 2, 16, False, None, None),
        ("rgba16_interlaced.png", s16, 6, 16, True, None, None),
        ("la16.png", s16[..., :2], 4, 16, False, None, None),
        ("grey16_interlaced.png", s16[..., :1], 0, 16, True, None, None),
        ("palette2_interlaced.png", (grad[..., None] >> 6), 3, 2, True, [10, 20, 30, 200, 100, 50, 0, 255, 0, 9, 9, 9], [255, 128]),
        ("palette1.png", (grad[..., None] > 100).astype(np.int64), 3, 1, False, [255, 0, 0, 0, 0, 255], None),
        ("rgba8_interlaced_1x1.png", rgba[:1, :1], 6, 8, True, None, None),
    ]
    for name, samples, ct, depth, inter, plte, trns in raw:
        raw_png(name, np.asarray(samples), ct, depth, inter, plte, trns)
        files.append(name)

    pil("rgb444.jpg", Image.fromarray(rgb, "RGB"), quality=92, subsampling=0)
    pil("grey.jpg", Image.fromarray(grad, "L"), quality=92)

    # Smooth pictures for the lossy and palette formats: JPEG's 4:2:0 chroma and a 256-colour palette keep them close.
    yy, xx = np.mgrid[0:24, 0:32]
    smooth = np.stack([xx * 8, yy * 10, 128 + 60 * np.sin(xx / 5.0) * np.cos(yy / 4.0)], -1).astype(np.uint8)
    pil("progressive.jpg", Image.fromarray(smooth, "RGB"), quality=90, progressive=True)
    cmyk = np.stack([xx * 8, yy * 10, 255 - xx * 8, (yy * 3 + xx * 2)], -1).astype(np.uint8)
    pil("cmyk.jpg", Image.fromarray(cmyk, "CMYK"), quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the stored 32x24 picture is shown turned 90 degrees clockwise, 24x32
    pil("exif_orientation6.jpg", Image.fromarray(smooth, "RGB"), quality=95, subsampling=0, exif=exif.tobytes())
    pil("rgb24.bmp", Image.fromarray(rgb, "RGB"))
    pil("palette8.bmp", Image.fromarray(smooth, "RGB").quantize(colors=64))
    frames = [Image.fromarray(smooth, "RGB").quantize(colors=64), Image.fromarray(255 - smooth, "RGB").quantize(colors=64)]
    pil("two_frames.gif", frames[0], save_all=True, append_images=frames[1:], duration=100, loop=0)
    pil("lossless.webp", Image.fromarray(rgb, "RGB"), lossless=True)
    pil("lossless_rgba.webp", Image.fromarray(rgba, "RGBA"), lossless=True, exact=True)

    # YCCK: Y, Cb and Cr of the colour 255 - (C, M, Y) (the JFIF equations), K as it is; PIL stores CMYK inverted
    # (Adobe's convention), so it is given 255 minus the values the file is to hold.
    rgb_of = 255.0 - cmyk[..., :3].astype(np.float64)
    y = 0.299 * rgb_of[..., 0] + 0.587 * rgb_of[..., 1] + 0.114 * rgb_of[..., 2]
    cb = 128 + (rgb_of[..., 2] - y) * 0.564
    cr = 128 + (rgb_of[..., 0] - y) * 0.713
    stored = np.clip(np.round(np.stack([y, cb, cr, 255.0 - cmyk[..., 3]], -1)), 0, 255).astype(np.uint8)
    pil("ycck.jpg", Image.fromarray(255 - stored, "CMYK"), quality=95)
    with open(os.path.join(OUT, "ycck.jpg"), "r+b") as f:
        data = f.read()
        adobe = data.index(b"Adobe")
        assert data[adobe + 11] == 0, "PIL's CMYK JPEG should carry transform 0"
        f.seek(adobe + 11)
        f.write(b"\x02")

    # Colours whose L24 = 19595 R + 38470 G + 7471 B + 2^15 lies within 40 of a multiple of 2^16, on either side.
    v = np.arange(1 << 24, dtype=np.int64)
    l24 = ((v >> 16) & 255) * 19595 + ((v >> 8) & 255) * 38470 + (v & 255) * 7471 + 0x8000
    frac = l24 & 0xFFFF
    edge = np.concatenate([rng.choice(v[frac < 40], 512, replace=False), rng.choice(v[frac > 0xFFFF - 40], 512, replace=False)])
    edges = np.stack([(edge >> 16) & 255, (edge >> 8) & 255, edge & 255], -1).astype(np.uint8).reshape(32, 32, 3)
    pil("luma_edges.png", Image.fromarray(edges, "RGB"))

    decoded = {n: expected(n) for n in files}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(decoded, f, indent=0, sort_keys=True)
    with open(os.path.join(OUT, "converted.json"), "w") as f:
        json.dump({n: converted(e) for n, e in decoded.items()}, f, indent=0, sort_keys=True)


if __name__ == "__main__":
    main()
