"""QR codes for the codes people type (gift cards, serial codes), as PNG or SVG.

The symbol holds the code exactly as stored (upper-case letters and digits), which QR
encodes in its compact alphanumeric mode. Error correction is M (about 15% of the symbol
may be damaged), as asked for printed cards; segno would otherwise raise the level
whenever the same symbol size allows it, which would make the output depend on the code's
length.
"""

from __future__ import annotations

import io

import segno

ERROR_CORRECTION = "m"
# 8 pixels per module: a 16-character code (21 to 29 modules plus the 4-module quiet zone)
# comes out at 232 to 296 pixels, sharp on screen and large enough to print.
SCALE = 8
BORDER = 4


def _symbol(code: str) -> segno.QRCode:
    return segno.make(code, error=ERROR_CORRECTION, boost_error=False, micro=False)


def qr_png(code: str, scale: int = SCALE) -> bytes:
    buffer = io.BytesIO()
    _symbol(code).save(buffer, kind="png", scale=scale, border=BORDER)
    return buffer.getvalue()


def qr_svg(code: str, scale: int = SCALE) -> str:
    """A standalone SVG document (no XML declaration), black modules on a white background."""
    buffer = io.BytesIO()
    _symbol(code).save(buffer, kind="svg", scale=scale, border=BORDER, xmldecl=False, light="#fff")
    return buffer.getvalue().decode("utf-8")
