"""Phone-number blocks (unique per person without a global set) and how people type them."""

from __future__ import annotations

import math

from custinfo.demo.synth.data import _CN_CITIES

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class _PhonePattern:
    """A block of numbers ``+cc <prefix><free digits>``, enumerated by a bijection.

    The k-th number drawn from a pattern is ``perm(k)``, an affine permutation of
    ``range(len(prefixes) * 10**free)``; distinct k therefore give distinct numbers,
    which makes phone numbers unique per person without a global set.
    """

    __slots__ = ("a", "b", "cc", "free", "groups", "kind", "m", "p10", "prefixes", "style_cum")

    def __init__(
        self, kind: str, cc: str, prefixes: list[str], free: int, groups: tuple[int, ...]
    ) -> None:
        self.kind = kind  # "cn_mobile" | "cn_land" | "us" | "intl"
        self.cc = cc
        self.prefixes = prefixes
        self.free = free
        self.groups = groups  # digit groups of the national significant number
        self.p10 = 10**free
        self.m = len(prefixes) * self.p10
        a = int(self.m * 0.6180339887498949) | 1
        while math.gcd(a, self.m) != 1:
            a += 2
        self.a = a
        self.b = int(self.m * 0.4142135623730951) + 7919
        self.style_cum = _cum(_STYLE_WEIGHTS[kind])

    def nsn(self, k: int) -> str:
        """National significant number of the k-th number of this block."""
        x = (k * self.a + self.b) % self.m
        return self.prefixes[x // self.p10] + str(x % self.p10).zfill(self.free)


_STYLE_WEIGHTS: dict[str, list[int]] = {
    # raw, spaced, dashed, +86 spaced, 0086 raw, +86-dashed, +86raw, full-width
    "cn_mobile": [45, 15, 10, 10, 5, 5, 7, 3],
    # 0AA-LLLLLLLL, (0AA) LLLL-LLLL, +86 AA LLLLLLLL, 0AA LLLLLLLL, 0AA-LLLL-LLLL, +86-AA-L
    "cn_land": [40, 15, 10, 15, 10, 10],
    # +1 (AAA) EEE-LLLL, +1 AAA-EEE-LLLL, +1AAAEEELLLL, 001 AAA EEE LLLL, +1.AAA.EEE.LLLL
    "us": [40, 25, 15, 10, 10],
    # +CC grouped, +CCnsn, 00CC grouped, +CC-dashed
    "intl": [50, 20, 15, 15],
}


def _group(nsn: str, groups: tuple[int, ...], sep: str) -> str:
    out, i = [], 0
    for g in groups:
        out.append(nsn[i : i + g])
        i += g
    if i < len(nsn):
        out.append(nsn[i:])
    return sep.join(out)


def _fmt_phone(pat: _PhonePattern, nsn: str, style: int) -> str:
    """Render a number the way a person would type it (style indexes _STYLE_WEIGHTS)."""
    kind = pat.kind
    if kind == "cn_mobile":
        if style == 0:
            return nsn
        if style == 1:
            return f"{nsn[:3]} {nsn[3:7]} {nsn[7:]}"
        if style == 2:
            return f"{nsn[:3]}-{nsn[3:7]}-{nsn[7:]}"
        if style == 3:
            return f"+86 {nsn[:3]} {nsn[3:7]} {nsn[7:]}"
        if style == 4:
            return f"0086 {nsn}"
        if style == 5:
            return f"+86-{nsn[:3]}-{nsn[3:7]}-{nsn[7:]}"
        if style == 6:
            return f"+86{nsn}"
        return nsn.translate(_FULLWIDTH)
    if kind == "cn_land":
        n = pat.groups[0]
        area, local = nsn[:n], nsn[n:]
        if style == 0:
            return f"0{area}-{local}"
        if style == 1:
            return f"(0{area}) {local[:4]}-{local[4:]}"
        if style == 2:
            return f"+86 {area} {local}"
        if style == 3:
            return f"0{area} {local}"
        if style == 4:
            return f"0{area}-{local[:4]}-{local[4:]}"
        return f"+86-{area}-{local}"
    if kind == "us":
        a, e, ln = nsn[:3], nsn[3:6], nsn[6:]
        if style == 0:
            return f"+1 ({a}) {e}-{ln}"
        if style == 1:
            return f"+1 {a}-{e}-{ln}"
        if style == 2:
            return f"+1{nsn}"
        if style == 3:
            return f"001 {a} {e} {ln}"
        return f"+1.{a}.{e}.{ln}"
    cc = pat.cc
    if style == 0:
        return f"+{cc} {_group(nsn, pat.groups, ' ')}"
    if style == 1:
        return f"+{cc}{nsn}"
    if style == 2:
        return f"00{cc} {_group(nsn, pat.groups, ' ')}"
    return f"+{cc}-{_group(nsn, pat.groups, '-')}"


_CN_MOBILE_PREFIXES = [
    "138",
    "139",
    "135",
    "136",
    "137",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "130",
    "131",
    "132",
    "133",
    "153",
    "180",
    "181",
    "189",
    "177",
    "199",
    "166",
    "147",
    "182",
    "183",
    "185",
    "173",
]
_US_AREAS = ["212", "646", "917", "718", "415", "650", "310", "213", "312", "206", "617", "713"]


def _build_phone_patterns() -> dict[str, _PhonePattern]:
    pats = {
        "CN": _PhonePattern("cn_mobile", "86", _CN_MOBILE_PREFIXES, 8, (3, 4, 4)),
        "US": _PhonePattern(
            "us", "1", [a + str(e) for a in _US_AREAS for e in range(200, 1000)], 4, (3, 3, 4)
        ),
        "GB_M": _PhonePattern(
            "intl", "44", ["7912", "7723", "7400", "7500", "7800", "7900", "7971"], 6, (4, 6)
        ),
        "GB_L": _PhonePattern("intl", "44", ["207", "208", "203"], 7, (2, 4, 4)),
        "DE": _PhonePattern(
            "intl", "49", ["151", "152", "157", "160", "170", "171", "172", "176"], 8, (3, 8)
        ),
        "FR": _PhonePattern(
            "intl", "33", ["60", "61", "62", "64", "65", "66", "67", "68"], 7, (1, 2, 2, 2, 2)
        ),
        "JP": _PhonePattern(
            "intl",
            "81",
            [p + str(d) for p in ("90", "80", "70") for d in range(1, 10)],
            7,
            (2, 4, 4),
        ),
        "TW": _PhonePattern("intl", "886", [f"9{d}" for d in range(10)], 7, (3, 3, 3)),
    }
    for city, (_, area, _) in _CN_CITIES.items():
        pats["CNL_" + city] = _PhonePattern(
            "cn_land", "86", [area + d for d in "234567"], 7, (len(area),)
        )
    return pats


def _cum(weights: list[int]) -> list[float]:
    total, acc, out = sum(weights), 0, []
    for w in weights:
        acc += w
        out.append(acc / total)
    return out
