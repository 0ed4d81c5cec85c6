"""Checks in generated x86-64 assembly that every LDTILECFG reads a fully stored config.

GCC 12's `_tile_loadconfig` tells the compiler it reads 8 of the operand's 64 bytes, so
without a fence the stores of the tile shapes are dead to it. What GCC 12 then emits is
not a short store but a plausible one: the zero-initialisation (one 64-byte zmm store)
and the palette byte survive, the colsb and rows stores are dropped. So "64 bytes stored"
alone cannot tell; this check follows the stores that precede each `ldtilecfg` in its
basic block and tracks, per byte of the operand, whether it was stored, and whether the
value is a known constant (an immediate, or a register known to be zero) or data.
Verdict, palette 1 (Intel SDM, LDTILECFG): all 64 bytes stored; byte 0 is 1 (or data);
the reserved bytes (1..15, 32..47, 56..63) are not a known non-zero; colsb[t] (bytes
16 + 2t) and rows[t] (48 + t) of every used tile are not a known zero.

Reads `g++ -S` output or `objdump -d --no-show-raw-insn` output (both AT&T syntax).
Stdlib only: also runnable as a script, `python tilecfg_asm.py FILE.s`, exit 1 on failure.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

CFG_BYTES = 64
RESERVED = (*range(1, 16), *range(32, 48), *range(56, 64))
DATA = "data"
"""Byte value that is neither an immediate nor a register known to be zero."""

_GP = {
    "rax": ("eax", "ax", "al", "ah"),
    "rbx": ("ebx", "bx", "bl", "bh"),
    "rcx": ("ecx", "cx", "cl", "ch"),
    "rdx": ("edx", "dx", "dl", "dh"),
    "rsi": ("esi", "si", "sil"),
    "rdi": ("edi", "di", "dil"),
    "rbp": ("ebp", "bp", "bpl"),
    "rsp": ("esp", "sp", "spl"),
    **{f"r{n}": (f"r{n}d", f"r{n}w", f"r{n}b") for n in range(8, 16)},
}
_CANON = {alias: full for full, aliases in _GP.items() for alias in (full, *aliases)}
_GP_WIDTH = {
    **dict.fromkeys(_GP, 8),
    **{a[0]: 4 for a in _GP.values()},
    **{a[1]: 2 for a in _GP.values()},
    **{n: 1 for a in _GP.values() for n in a[2:]},
}
_VEC = re.compile(r"([xyz])mm(\d+)$")
_VEC_WIDTH = {"x": 16, "y": 32, "z": 64}
_ZERO_IDIOMS = ("vpxor", "vpxord", "vpxorq", "vxorps", "vxorpd", "pxor", "xorps", "xorpd")
_VEC_MOVES = re.compile(r"v?mov(dq[au](8|16|32|64)?|[au]p[sd])$")
_GP_MOVE = re.compile(r"mov[bwlq]?$|movabsq?$")
_NO_WRITE = ("cmp", "test", "bt", "ucomis", "comis", "vucomis", "vcomis", "vptest", "kortest")
_SUFFIX_WIDTH = {"b": 1, "w": 2, "l": 4, "q": 8}
_PREFIXES = ("data16", "rex.W", "rex", "lock", "notrack", "bnd", "cs", "ds")


@dataclass(frozen=True, slots=True)
class Mem:
    """A memory operand disp(base, index, scale) with a numeric displacement."""

    disp: int
    base: str
    index: str


@dataclass(slots=True)
class Verdict:
    """What one `ldtilecfg` reads: the byte map and the rules it breaks."""

    where: str
    """The function (from -S labels or objdump symbols) and the instruction's line."""
    cfg: list[object] = field(default_factory=lambda: [None] * CFG_BYTES)
    """Per byte: None (not stored), an int (known constant) or DATA."""
    problems: list[str] = field(default_factory=list)
    """Empty when the configuration is fully and meaningfully stored."""


def _reg(op: str) -> str | None:
    """Canonical register of a register operand ("v3", "rax"), else None."""
    if not op.startswith("%"):
        return None
    name = op[1:]
    if m := _VEC.match(name):
        return f"v{m.group(2)}"
    return _CANON.get(name, name)


def _width(op: str) -> int:
    name = op[1:]
    if m := _VEC.match(name):
        return _VEC_WIDTH[m.group(1)]
    return _GP_WIDTH.get(name, 8)


def _imm(op: str) -> int | None:
    if not op.startswith("$"):
        return None
    try:
        return int(op[1:], 0)
    except ValueError:
        return None  # a symbol's address


def _mem(op: str) -> Mem | None:
    m = re.fullmatch(r"(-?(?:0x[0-9a-f]+|\d+))?\((%\w+)(?:,(%\w+)?(?:,\d)?)?\)", op)
    if m is None:
        return None
    return Mem(int(m.group(1) or "0", 0), _reg(m.group(2)) or "", m.group(3) or "")


def _operands(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


@dataclass(frozen=True, slots=True)
class _Line:
    label: str | None  # a jump target or a function start: a basic block begins here
    function: str
    mnemonic: str
    ops: tuple[str, ...]
    raw: str


def _objdump_line(line: str, raw: str, function: str, targets: set[str]) -> _Line | None:
    if m := re.match(r"^[0-9a-f]+ <(.+)>:$", line):
        return _Line(m.group(1), m.group(1), "", (), raw)
    m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
    if m is None:
        return None
    addr, mnemonic, rest = m.groups()
    while mnemonic in _PREFIXES and rest:
        mnemonic, _, rest = rest.partition(" ")
        rest = rest.strip()
    rest = re.sub(r"\s*<[^>]*>$", "", rest)
    label = addr.lstrip("0") if addr.lstrip("0") in targets else None
    return _Line(label, function, mnemonic, tuple(_operands(rest)), raw)


def _gas_line(line: str, raw: str, function: str, targets: set[str]) -> _Line | None:
    if m := re.match(r"^([^\s:]+):", line):
        name = m.group(1)
        if not name.startswith("."):
            return _Line(name, name, "", (), raw)
        return _Line(name, function, "", (), raw) if name in targets else None
    stripped = line.strip()
    if stripped.startswith(".cfi_startproc"):
        return _Line(".cfi_startproc", function, "", (), raw)
    if stripped.startswith("."):
        return None
    mnemonic, *rest = stripped.split(None, 1)
    return _Line(None, function, mnemonic, tuple(_operands(rest[0] if rest else "")), raw)


def _lines(text: str) -> list[_Line]:
    """Instructions and block starts (labels jumped to, functions) of -S or objdump output."""
    objdump = re.search(r"^\s*[0-9a-f]+:\t", text, re.M) is not None
    jump = re.compile(r"^\s*(?:[0-9a-f]+:\s+)?j\w+\s+(\S+)")
    targets = {m.group(1).lstrip("*") for raw in text.splitlines() if (m := jump.match(raw))}
    parse = _objdump_line if objdump else _gas_line
    out: list[_Line] = []
    function = "?"
    for raw in text.splitlines():
        line = re.sub(r"\s#.*$", "", raw) if objdump else raw.split("#", 1)[0]
        if not line.strip():
            continue
        if (parsed := parse(line.rstrip(), raw, function, targets)) is not None:
            function = parsed.function
            out.append(parsed)
    return out


def _store_width(line: _Line, src: str) -> int | None:
    """Bytes a recognised full store writes, or None if not recognised."""
    mn = line.mnemonic
    if src.startswith("$"):
        suffix = mn[-1] if _GP_MOVE.match(mn) and mn not in ("mov", "movabs") else ""
        return _SUFFIX_WIDTH.get(suffix)
    if _GP_MOVE.match(mn) and _reg(src) in _GP:
        return _width(src)
    if _VEC_MOVES.match(mn) and _VEC.match(src[1:]):
        return _width(src)
    if mn in ("movq", "vmovq", "vmovsd", "movsd", "vmovlps", "vmovhps", "vpextrq"):
        return 8
    if mn in ("movd", "vmovd", "vmovss", "movss", "vpextrd"):
        return 4
    return None


def _track(regs: dict[str, object], mn: str, ops: tuple[str, ...], dst_reg: str) -> None:
    """Update what is known of the register an instruction writes (zero, a constant)."""
    regs.pop(dst_reg, None)
    if (mn in _ZERO_IDIOMS and len(set(ops)) == 1) or (
        mn.startswith("xor") and len(ops) == 2 and ops[0] == ops[1]
    ):
        regs[dst_reg] = 0
    elif _GP_MOVE.match(mn) and len(ops) == 2 and _width(ops[1]) >= 4:
        # 32- and 64-bit writes replace the whole register (8- and 16-bit ones merge)
        imm, src_reg = _imm(ops[0]), _reg(ops[0])
        if imm is not None:
            regs[dst_reg] = imm & ((1 << (8 * _width(ops[1]))) - 1)
        elif src_reg in regs and _width(ops[0]) == 8 == _width(ops[1]):
            regs[dst_reg] = regs[src_reg]


def _store(line: _Line, lo: int, regs: dict[str, object], verdict: Verdict) -> bool:
    """Record a store at config offset `lo`; False if it is not understood."""
    src = line.ops[0] if len(line.ops) >= 2 else ""
    width = _store_width(line, src) if "{" not in line.raw else None  # {%k}: masked
    if width is None:
        return not (lo < CFG_BYTES and lo + 16 > 0)
    value = _imm(src) if src.startswith("$") else regs.get(_reg(src) or "", DATA)
    for i in range(max(0, -lo), min(width, CFG_BYTES - lo)):
        verdict.cfg[lo + i] = (value >> (8 * i)) & 0xFF if isinstance(value, int) else DATA
    return True


def _check_block(block: list[_Line], cfg_op: Mem, verdict: Verdict) -> None:
    """Follow one basic block up to the ldtilecfg, filling verdict.cfg."""
    regs: dict[str, object] = {}
    for line in block:
        mn, ops = line.mnemonic, line.ops
        started = any(b is not None for b in verdict.cfg)
        dst = ops[-1] if ops else ""
        dst_mem, dst_reg = _mem(dst), _reg(dst)
        moves_frame = dst_reg == cfg_op.base and not mn.startswith(_NO_WRITE)
        if mn.startswith(("call", "rep", "stos", "movs")) or mn in ("push", "pop", "leave"):
            regs.clear()
            moves_frame = cfg_op.base == "rsp"
            if started:
                verdict.problems.append(f"cannot follow the config stores across: {line.raw}")
                return
        if moves_frame:  # earlier stores went to another frame
            if started:
                verdict.problems.append(f"the config's base register changes: {line.raw}")
                return
            verdict.cfg[:] = [None] * CFG_BYTES
        if dst_mem is not None and dst_mem.base == cfg_op.base and not dst_mem.index:
            if not _store(line, dst_mem.disp - cfg_op.disp, regs, verdict):
                verdict.problems.append(f"unrecognised store near the config: {line.raw}")
        elif dst_reg is not None and not mn.startswith((*_NO_WRITE, "j")):
            _track(regs, mn, ops, dst_reg)


def _judge(verdict: Verdict, tiles: int) -> None:
    cfg = verdict.cfg
    missing = [i for i, b in enumerate(cfg) if b is None]
    if missing:
        verdict.problems.append(f"bytes never stored before ldtilecfg: {_ranges(missing)}")
    if cfg[0] not in (1, DATA, None):
        verdict.problems.append(f"palette byte is {cfg[0]}, not 1")
    bad = [i for i in RESERVED if isinstance(cfg[i], int) and cfg[i] != 0]
    if bad:
        verdict.problems.append(f"reserved bytes stored non-zero: {_ranges(bad)}")
    zero_colsb = [t for t in range(tiles) if cfg[16 + 2 * t] == 0 and cfg[17 + 2 * t] == 0]
    zero_rows = [t for t in range(tiles) if cfg[48 + t] == 0]
    if zero_colsb or zero_rows:
        verdict.problems.append(
            f"tile shapes stored as zero (colsb of tiles {zero_colsb}, rows of tiles "
            f"{zero_rows}): the shape stores were dropped"
        )


def _ranges(idx: list[int]) -> str:
    parts, start = [], idx[0]
    for a, b in zip(idx, [*idx[1:], None], strict=True):
        if b != a + 1:
            parts.append(f"{start}..{a}" if a != start else str(a))
            start = b if b is not None else 0
    return ", ".join(parts)


def check(text: str, *, tiles: int = 8) -> list[Verdict]:
    """One verdict per `ldtilecfg` in the assembly `text` (-S or objdump).

    Args:
        text: the assembly.
        tiles: how many tiles (tmm0 up) the configurations must give a shape.

    Returns:
        The verdicts, in order; an empty list when there is no `ldtilecfg`.
    """
    lines = _lines(text)
    verdicts = []
    for n, line in enumerate(lines):
        if line.mnemonic != "ldtilecfg":
            continue
        verdict = Verdict(where=f"{line.function}: {line.raw.strip()}")
        verdicts.append(verdict)
        cfg_op = _mem(line.ops[0]) if len(line.ops) == 1 else None
        if cfg_op is None or cfg_op.index:
            verdict.problems.append(f"ldtilecfg operand not base + displacement: {line.raw}")
            continue
        start = n
        while start > 0 and lines[start - 1].label is None:
            start -= 1
        _check_block(lines[start:n], cfg_op, verdict)
        _judge(verdict, tiles)
    return verdicts


def main(argv: list[str]) -> int:
    """Check the files named in argv; print one line per ldtilecfg; 1 on any failure."""
    failed = False
    for name in argv:
        verdicts = check(Path(name).read_text())
        if not verdicts:
            print(f"{name}: no ldtilecfg")
            failed = True
        for v in verdicts:
            print(f"{name}: {v.where}: {'; '.join(v.problems) or 'all 64 bytes stored'}")
            failed |= bool(v.problems)
    return int(failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
