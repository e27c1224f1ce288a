#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Reads a conversation on stdin, finds the QR code drawn with UTF-8 half
blocks (light modules in ink, as src/flow/qrtext.c draws it) and writes it
as a PNG (dark modules black, scaled up) for zbarimg. No imaging library:
PNG is a zlib stream with three chunks. Exit 1 when there is no QR code."""
import struct
import sys
import zlib

GLYPHS = {" ": (0, 0), "\u2584": (0, 1), "\u2580": (1, 0), "\u2588": (1, 1)}
SCALE = 6


def qr_lines(text):
    """The longest run of lines made only of the glyphs, of one width."""
    def glyphs_only(line):
        return bool(line) and set(line) <= set(GLYPHS) and "\u2588" in line
    runs, run = [], []
    for line in text.split("\n"):
        if glyphs_only(line) and (not run or len(line) == len(run[0])):
            run.append(line)
            continue
        runs.append(run)
        run = [line] if glyphs_only(line) else []
    runs.append(run)
    return max(runs, key=len)


def light_rows(lines):
    rows = []
    for line in lines:
        rows.append([GLYPHS[ch][0] for ch in line])
        rows.append([GLYPHS[ch][1] for ch in line])
    return rows


def png(rows, path):
    width = len(rows[0]) * SCALE
    raw = b""
    for row in rows:
        line = b"\x00" + bytes(255 if v else 0 for v in row
                               for _ in range(SCALE))
        raw += line * SCALE

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + \
            struct.pack(">I", zlib.crc32(body) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width,
                                           len(rows) * SCALE, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def main():
    text = sys.stdin.buffer.read().decode("utf-8", "replace")
    lines = qr_lines(text)
    if len(lines) < 10:
        sys.exit(1)
    png(light_rows(lines), sys.argv[1])


main()
