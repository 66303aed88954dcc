"""QR code symbols, computed fast enough to draw one on each of a thousand certificates.

`qrcode` (the reference, and still the source of the segments, tables and fixed patterns)
spends its time in three places: it writes the data bit by bit, divides Reed–Solomon
polynomials as objects, and builds and scores the whole symbol module by module once per mask,
eight times. Here the data bits are a string, the remainder comes from log tables, and the
symbol is held as one big integer, one bit per module (row by row, and a second one column by
column): placing a mask is one XOR and each of the standard's four penalty rules is a handful of
shifts, ANDs and bit counts over all rows at once. The scores are qrcode.util.lost_point's, so
the symbol is the very one `qrcode` makes; the tests compare the two module for module.
draw_qr draws a symbol on a reportlab canvas as vector shapes.
"""

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

import qrcode
from qrcode import LUT, base, util
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError
from reportlab.lib import colors

#: light modules around a QR code, as the standard asks (4)
QUIET_ZONE = 4


@dataclass(frozen=True)
class QrSymbol:
    """An encoded QR code: `size` modules a side, row r's dark modules as the bits of rows[r]
    (bit c for column c), without the quiet zone."""

    size: int
    rows: tuple[int, ...]

    def matrix(self, border: int = 4) -> list[list[bool]]:
        """The modules as booleans, with `border` light modules of quiet zone around."""
        width = self.size + 2 * border
        blank, pad = [False] * width, [False] * border
        body = [pad + [bool(row >> c & 1) for c in range(self.size)] + pad for row in self.rows]
        return [list(blank) for _ in range(border)] + body + [list(blank) for _ in range(border)]

    def svg(self, border: int = 4) -> str:
        """The symbol as an SVG drawing one module a unit, `border` modules of quiet zone
        around: one path of a rectangle per run of dark modules (3.5 KB for a check-in
        link, where qrcode's square per module takes 6.4). It has no size of its own, so the page's
        CSS decides how large it is drawn; the page paints the quiet zone white."""
        side, b = self.size + 2 * border, border
        path = "".join(f"M{c + b},{r + b}H{c + b + length}V{r + b + 1}H{c + b}z" for r, c, length in self.runs())
        return (
            f'<svg role="img" aria-label="QR" version="1.1" viewBox="0 0 {side} {side}" xmlns="http://www.w3.org/2000/svg">'
            f'<path d="{path}" fill="#000"/></svg>'
        )

    def runs(self):
        """(row, first column, length) of every horizontal run of dark modules."""
        for r, row in enumerate(self.rows):
            column = 0
            while row:
                skip = (row & -row).bit_length() - 1  # light modules before the next dark one
                row >>= skip
                column += skip
                length = (~row & (row + 1)).bit_length() - 1  # dark modules in a row
                yield r, column, length
                row >>= length
                column += length


class _Layout:
    """What is fixed for a version and error-correction level: where the data modules are, in
    which order the codeword bits fill them, each mask's pattern over them, and the function
    patterns (finders, timing, alignment, format and version information)."""

    def __init__(self, version: int, error_correction: int):
        n = self.n = version * 4 + 17
        trial = _function_modules(version, error_correction, None)
        order = _placement_order(trial)
        self.data_count = len(order)
        index = {position: i for i, position in enumerate(order)}
        # Gather lists turning the string of data bits (plus a trailing "0" for function
        # modules) into the bits of the packed integers; the string's first character is the
        # integer's highest bit.
        total = n * n
        self.gather_rows = itemgetter(*(index.get(divmod(total - 1 - k, n), self.data_count) for k in range(total)))
        self.gather_cols = itemgetter(
            *(index.get(divmod(total - 1 - k, n)[::-1], self.data_count) for k in range(total))
        )
        self.masks = []
        for pattern in range(8):
            dark = util.mask_func(pattern)
            self.masks.append((_pack(order, n, dark), _pack(order, n, dark, columns=True)))
        # During the choice, format and version information count as light, as in qrcode.
        self.trial_rows, self.trial_cols = _pack_matrix(trial), _pack_matrix(trial, columns=True)
        self.final = [_pack_matrix(_function_modules(version, error_correction, p)) for p in range(8)]
        full = (1 << total) - 1
        self.line_but_last = _every_row(n, range(n - 1))  # (r, c) with c ≤ n-2
        self.pattern_starts = _every_row(n, range(n - 10))  # (r, c) with c ≤ n-11
        self.block_corners = self.line_but_last & (full >> n)  # … and r ≤ n-2

    def penalty(self, rows: int, cols: int) -> int:
        """qrcode.util.lost_point of the symbol, computed on its packed rows and columns."""
        n = self.n
        score = self._runs(rows) + self._runs(cols) + self._finder_like(rows) + self._finder_like(cols)
        same_down, same_right = ~(rows ^ (rows >> n)), ~(rows ^ (rows >> 1))
        score += 3 * (same_down & (same_down >> 1) & same_right & self.block_corners).bit_count()
        percent = float(rows.bit_count()) / (n**2)
        return score + int(abs(percent * 100 - 50) / 5) * 10

    def _runs(self, lines: int) -> int:
        # A run of L ≥ 5 same-coloured modules costs L - 2: (L - 4) windows of five, plus 2.
        same = ~(lines ^ (lines >> 1)) & self.line_but_last
        fives = same & (same >> 1) & (same >> 2) & (same >> 3)
        return fives.bit_count() + 2 * (fives & ~(fives << 1)).bit_count()

    def _finder_like(self, lines: int) -> int:
        # 1:1:3:1:1 dark-light pattern with four light modules on one side: 40 each.
        s = [lines >> k for k in range(11)]
        core = ~s[1] & s[4] & ~s[5] & s[6] & ~s[9] & self.pattern_starts
        before = core & s[0] & s[2] & s[3] & ~s[7] & ~s[8] & ~s[10]
        after = core & ~s[0] & ~s[2] & ~s[3] & s[7] & s[8] & s[10]
        return 40 * (before | after).bit_count()


def _function_modules(version: int, error_correction: int, mask_pattern: int | None) -> list[list]:
    """qrcode's own symbol before the data goes in: None where data modules go. With no mask
    pattern, as qrcode scores the masks (format and version information light)."""
    code = qrcode.QRCode(version=version, error_correction=error_correction, border=0)
    code.map_data = lambda _data, _mask: None
    code.makeImpl(mask_pattern is None, mask_pattern or 0)
    return code.modules


def _placement_order(modules: list[list]) -> list[tuple[int, int]]:
    """Data module positions in the order codeword bits fill them (qrcode's map_data walk:
    two columns at a time from the right, up then down, skipping the timing column)."""
    n = len(modules)
    order, row, step = [], n - 1, -1
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1
        while True:
            for c in (col, col - 1):
                if modules[row][c] is None:
                    order.append((row, c))
            row += step
            if row < 0 or row >= n:
                row -= step
                step = -step
                break
    return order


def _pack(positions, n: int, dark, columns: bool = False) -> int:
    value = 0
    for r, c in positions:
        if dark(r, c):
            value |= 1 << (c * n + r if columns else r * n + c)
    return value


def _pack_matrix(modules: list[list], columns: bool = False) -> int:
    n = len(modules)
    return _pack(((r, c) for r in range(n) for c in range(n)), n, lambda r, c: bool(modules[r][c]), columns)


def _every_row(n: int, columns) -> int:
    line = sum(1 << c for c in columns)
    return sum(line << (r * n) for r in range(n))


@lru_cache(maxsize=64)
def _layout(version: int, error_correction: int) -> _Layout:
    return _Layout(version, error_correction)


# --- the data codewords -----------------------------------------------------------------------
# qrcode writes them bit by bit through a BitBuffer and divides polynomials object by object;
# the same bits are built here as a string of "0"/"1" and the Reed–Solomon remainder with log
# tables, giving the same codewords in a fraction of the time.


def _segment_bits(chunks, version: int) -> str:
    """Mode indicator, character count and data bits of every segment, as qrcode writes them."""
    parts = []
    for chunk in chunks:
        data, mode = chunk.data, chunk.mode
        parts.append(format(mode, "04b"))
        parts.append(format(len(data), f"0{util.length_in_bits(mode, version)}b"))
        if mode == util.MODE_NUMBER:
            for i in range(0, len(data), 3):
                digits = data[i : i + 3]
                parts.append(format(int(digits), f"0{util.NUMBER_LENGTH[len(digits)]}b"))
        elif mode == util.MODE_ALPHA_NUM:
            for i in range(0, len(data), 2):
                pair = data[i : i + 2]
                if len(pair) > 1:
                    parts.append(format(util.ALPHA_NUM.find(pair[:1]) * 45 + util.ALPHA_NUM.find(pair[1:]), "011b"))
                else:
                    parts.append(format(util.ALPHA_NUM.find(pair), "06b"))
        elif data:
            parts.append(format(int.from_bytes(data, "big"), f"0{len(data) * 8}b"))
    return "".join(parts)


def _fit(chunks, error_correction: int) -> tuple[int, str]:
    """The smallest version that holds the segments (qrcode's best_fit) and their bits."""
    start = 1
    while True:
        bits = _segment_bits(chunks, start)
        version = bisect_left(util.BIT_LIMIT_TABLE[error_correction], len(bits), start)
        if version == 41:
            raise DataOverflowError()
        if util.mode_sizes_for_version(version) is util.mode_sizes_for_version(start):
            return version, bits
        start = version


@lru_cache(maxsize=64)
def _generator_multiples(ec_count: int) -> tuple[int, ...]:
    """For each byte f, f times the Reed–Solomon generator (without its leading 1), packed
    into an integer of ec_count bytes: one XOR per data byte divides by the generator."""
    if ec_count in LUT.rsPoly_LUT:
        coefficients = LUT.rsPoly_LUT[ec_count]
    else:
        poly = base.Polynomial([1], 0)
        for i in range(ec_count):
            poly = poly * base.Polynomial([1, base.gexp(i)], 0)
        coefficients = [poly[i] for i in range(len(poly))]
    logs = [base.glog(c) for c in coefficients[1:]]
    multiples = [0]
    for factor in range(1, 256):
        shift = base.glog(factor)
        multiples.append(int.from_bytes(bytes(base.gexp(log + shift) for log in logs), "big"))
    return tuple(multiples)


def _ec_codewords(data: bytes, ec_count: int) -> bytes:
    """The remainder of data(x)·x^ec_count divided by the generator, over GF(256)."""
    multiples = _generator_multiples(ec_count)
    top, full = 8 * (ec_count - 1), (1 << (8 * ec_count)) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & full) ^ multiples[byte ^ (remainder >> top)]
    return remainder.to_bytes(ec_count, "big")


def _codewords(bits: str, version: int, error_correction: int) -> list[int]:
    """Data and error-correction codewords, interleaved by block (qrcode's create_data)."""
    blocks = base.rs_blocks(version, error_correction)
    limit = sum(block.data_count * 8 for block in blocks)
    if len(bits) > limit:
        raise DataOverflowError(f"Code length overflow. Data size ({len(bits)}) > size available ({limit})")
    bits += "0" * min(limit - len(bits), 4)  # terminator
    bits += "0" * (-len(bits) % 8)
    data = int(bits, 2).to_bytes(len(bits) // 8, "big") + bytes([util.PAD0, util.PAD1]) * (limit // 16)
    data = data[: limit // 8]
    dc_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        dc_blocks.append(data[offset : offset + block.data_count])
        ec_blocks.append(_ec_codewords(dc_blocks[-1], block.total_count - block.data_count))
        offset += block.data_count
    interleaved = [b[i] for i in range(max(map(len, dc_blocks))) for b in dc_blocks if i < len(b)]
    interleaved += [b[i] for i in range(max(map(len, ec_blocks))) for b in ec_blocks if i < len(b)]
    return interleaved


def encode(data: str, error_correction: int = ERROR_CORRECT_M) -> QrSymbol:
    """The QR symbol of `data`: the smallest version that holds it and the mask with the
    lowest penalty, exactly as qrcode.QRCode(error_correction=…).make(fit=True) makes it."""
    code = qrcode.QRCode(error_correction=error_correction, border=0)
    code.add_data(data)  # qrcode splits the data into numeric, alphanumeric and byte segments
    version, bits = _fit(code.data_list, error_correction)
    layout = _layout(version, error_correction)
    codewords = _codewords(bits, version, error_correction)
    bits = format(int.from_bytes(bytes(codewords), "big"), f"0{len(codewords) * 8}b")
    bits = bits[: layout.data_count].ljust(layout.data_count + 1, "0")  # remainder bits, then the pad
    data_rows, data_cols = int("".join(layout.gather_rows(bits)), 2), int("".join(layout.gather_cols(bits)), 2)
    best, best_score = 0, None
    for pattern, (mask_rows, mask_cols) in enumerate(layout.masks):
        score = layout.penalty(layout.trial_rows | (data_rows ^ mask_rows), layout.trial_cols | (data_cols ^ mask_cols))
        if best_score is None or score < best_score:
            best, best_score = pattern, score
    packed = layout.final[best] | (data_rows ^ layout.masks[best][0])
    n, line = layout.n, (1 << layout.n) - 1
    return QrSymbol(n, tuple((packed >> (r * n)) & line for r in range(n)))


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code as vector shapes with its lower-left corner at (x, y), quiet zone included.

    Dark modules are merged into horizontal runs and filled as one path, drawn in module units
    (whole numbers) under a scaling transform: far cheaper than one rectangle object per module
    or reportlab formatting four decimals per rectangle.
    """
    symbol = encode(data, ERROR_CORRECT_M)
    count = symbol.size + 2 * QUIET_ZONE
    top = count - 1 - QUIET_ZONE
    path = " ".join(f"{QUIET_ZONE + column} {top - row} {length} 1 re" for row, column, length in symbol.runs())
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.transform(size / count, 0, 0, size / count, x, y)
    canvas.addLiteral(path + " f")
    canvas.restoreState()
