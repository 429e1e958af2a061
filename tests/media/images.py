"""Files for the media tests, made with Pillow in the test (none checked in)."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, TiffImagePlugin

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
MAKE, MODEL, ARTIST = 0x010F, 0x0110, 0x013B
BODY_SERIAL = 0xA431  # BodySerialNumber
OWNER_NAME = 0xA430  # CameraOwnerName
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<dc:creator>Hanako Yamada XMP-OWNER</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    b'<?xpacket end="w"?>'
)
SECRETS = (b"SN-123456789", b"Hanako Yamada", b"XMP-OWNER", b"IPTC-BYLINE")


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def picture(width: int = 800, height: int = 600, mode: str = "RGB") -> Image.Image:
    """A picture whose top-left quarter is red, so orientation can be checked."""
    image = Image.new(mode, (width, height), "white" if mode != "P" else 0)
    if mode == "RGB":
        image.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    return image


def image_bytes(fmt: str, width: int = 800, height: int = 600) -> bytes:
    if fmt == "GIF":
        return encode(picture(width, height).convert("P"), "GIF")
    return encode(picture(width, height), fmt)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def exif_with_secrets(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "KijiCam"
    exif[MODEL] = "Model X"
    exif[ARTIST] = "Hanako Yamada"
    exif.get_ifd(EXIF_IFD).update({BODY_SERIAL: "SN-123456789", OWNER_NAME: "Hanako Yamada"})
    exif.get_ifd(GPS_IFD).update(
        {
            1: "N",
            2: (TiffImagePlugin.IFDRational(35), TiffImagePlugin.IFDRational(39), 0),
            3: "E",
            4: (TiffImagePlugin.IFDRational(139), TiffImagePlugin.IFDRational(44), 0),
        }
    )
    return exif


def iptc_segment() -> bytes:
    """An APP13 (Photoshop IRB) segment with an IPTC By-line."""
    byline = b"IPTC-BYLINE"
    iptc = b"\x1c\x02\x50" + struct.pack(">H", len(byline)) + byline
    irb = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    payload = b"Photoshop 3.0\x00" + irb
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_secrets(width: int = 800, height: int = 600) -> bytes:
    """A JPEG with EXIF GPS, camera serial and owner, orientation 6, XMP and IPTC."""
    data = encode(picture(width, height), "JPEG", exif=exif_with_secrets(6), xmp=XMP)
    # IPTC right after SOI.
    return data[:2] + iptc_segment() + data[2:]


def png_with_secrets() -> bytes:
    return encode(picture(), "PNG", exif=exif_with_secrets(1))


def webp_with_secrets() -> bytes:
    return encode(picture(), "WEBP", exif=exif_with_secrets(1), xmp=XMP)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A small PNG whose header claims huge dimensions."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )


def corrupt_jpeg() -> bytes:
    """A JPEG cut off in the middle of its picture data."""
    data = image_bytes("JPEG")
    return data[: len(data) // 2]


def gif_html_polyglot() -> bytes:
    """A valid GIF that is also an HTML page with a script."""
    gif = image_bytes("GIF", 10, 10)
    return gif + b"<html><body><script>alert(document.cookie)</script></body></html>"


def gif_comment_polyglot() -> bytes:
    """A GIF whose comment extension carries a script."""
    return encode(picture(10, 10).convert("P"), "GIF", comment=b"<script>alert(1)</script>")


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)


def pdf() -> bytes:
    return encode(picture(200, 100), "PDF")
