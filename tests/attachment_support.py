"""Files to attach, made by the tests: images drawn with Pillow, texts in several encodings."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw


def photo(width: int = 4000, height: int = 3000, *, seed: int = 19) -> Image.Image:
    """A photo-like picture: a gradient, grain and coloured shapes (compresses like a real photo)."""
    rng = random.Random(seed)
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    grain = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(base, grain, 0.35)
    draw = ImageDraw.Draw(picture)
    for _ in range(120):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(2, max(3, width // 12))
        draw.ellipse((x, y, x + r, y + r), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    return picture


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def write_image(path: Path, image: Image.Image, fmt: str, **options: object) -> Path:
    path.write_bytes(encoded(image, fmt, **options))
    return path


def twelve_megapixel_jpeg(path: Path) -> Path:
    """A 4000×3000 JPEG at quality 92 (about 4 MB), as a phone takes them."""
    return write_image(path, photo(), "JPEG", quality=92)


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose page shows ``text`` (ASCII, no parentheses) in Helvetica."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
