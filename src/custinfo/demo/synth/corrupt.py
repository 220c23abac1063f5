"""Corruptions: how a duplicate record of a person differs from the first one.

Each `_c_<name>(gen, person, record)` edits `record` in place and returns whether it
changed anything; `_CORR_FUNCS` maps every name in `CORRUPTIONS` to its function."""

from __future__ import annotations

from collections.abc import Callable
from random import Random
from typing import TYPE_CHECKING

from custinfo.demo.synth.data import _CN_CITIES, _CN_HOMOPHONES, _LATIN_CITIES
from custinfo.demo.synth.phones import _fmt_phone
from custinfo.demo.synth.record import SynthCustomer

if TYPE_CHECKING:
    from custinfo.demo.synth.people import _Gen, _Person

_ADDR_ABBREV = [
    (" Street", " St."),
    (" Avenue", " Ave."),
    (" Road", " Rd."),
    (" Drive", " Dr."),
    (" Lane", " Ln."),
    (" Boulevard", " Blvd."),
    (" Court", " Ct."),
    ("Apt. ", "#"),
    ("Suite ", "Ste. "),
    (" District", " Dist."),
    ("straße", "str."),
    ("Straße", "Str."),
    ("avenue ", "av. "),
    ("boulevard ", "bd "),
]
_COMPANY_SUFFIX = [
    ("有限责任公司", "有限公司"),
    ("有限公司", ""),
    ("有限公司", "公司"),
    (" Limited", " Ltd"),
    (" Ltd", " Limited"),
    (" Inc.", " Inc"),
    (" Inc", " Incorporated"),
    (" LLC", " L.L.C."),
    (" PLC", " plc"),
    (" GmbH & Co. KG", " GmbH"),
    (" GmbH", ""),
    (" S.A.R.L.", " SARL"),
    (" SA", " S.A."),
    ("株式会社", "(株)"),
    (" and ", " & "),
    (" & ", " and "),
]
_KEY_NEIGHBOURS = {
    "a": "sqz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "mb",
    "o": "ip",
    "p": "o",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "y": "tu",
    "z": "x",
}


_NAME_CORR = {"typo_name", "swap_name_order", "pinyin_name", "romanized_name", "case_name"}


def _typo_latin(r: Random, word: str) -> str:
    if len(word) < 3:
        return word + word[-1]
    i = r.randrange(1, len(word) - 1)
    op = r.randrange(4)
    if op == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:
        return word[:i] + word[i + 1 :]
    if op == 2:
        return word[:i] + word[i] + word[i:]
    ch = word[i].lower()
    rep = r.choice(_KEY_NEIGHBOURS.get(ch, "e"))
    return word[:i] + rep + word[i + 1 :]


def _c_typo(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    r = g.r
    if per.cjk:
        cands = [i for i, ch in enumerate(d.name) if ch in _CN_HOMOPHONES]
        if not cands:
            return False
        i = r.choice(cands)
        d.name = d.name[:i] + r.choice(_CN_HOMOPHONES[d.name[i]]) + d.name[i + 1 :]
        return True
    if r.random() < 0.6:
        d.name = f"{per.given} {_typo_latin(r, per.fam)}"
    else:
        d.name = f"{_typo_latin(r, per.given)} {per.fam}"
    return d.name != per.rec.name


def _c_swap(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    d.name = f"{per.fam}, {per.given}" if g.r.random() < 0.3 else f"{per.fam} {per.given}"
    return True


def _c_roman(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    f, gv = per.fam_rom, per.given_rom
    d.name = (f"{f} {gv}", f"{gv} {f}", f"{f.upper()} {gv}", f"{f} {gv}".lower())[g.r.randrange(4)]
    return True


def _c_case(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    d.name = d.name.upper() if g.r.random() < 0.7 else d.name.lower()
    return True


def _c_space(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    r = g.r
    if d.address and r.random() < 0.4:
        d.address = "  " + d.address.replace(" ", "  ", 1) + " "
        return True
    if per.cjk and " " not in d.name:
        d.name = d.name[: len(per.fam)] + " " + d.name[len(per.fam) :]
    else:
        d.name = " " + d.name.replace(" ", "   ", 1) + "  "
    return True


def _c_phone_format(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    r = g.r
    if not d.phones:
        return False
    out = []
    for pat, nsn, st in per.phones:
        old = _fmt_phone(pat, nsn, st)
        if old not in d.phones:
            continue
        new = old
        for _ in range(5):
            new = _fmt_phone(pat, nsn, r.randrange(len(pat.style_cum)))
            if new != old:
                break
        out.append(new)
    d.phones = out
    return True


def _c_email_case(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    r = g.r
    if not d.emails:
        return False
    out = []
    for e in d.emails:
        x = r.randrange(4)
        if x == 0:
            e = e.upper()
        elif x == 1:
            e = e[0].upper() + e[1:]
        elif x == 2:
            loc, dom = e.split("@")
            e = f"{loc.capitalize()}@{dom.upper()}"
        else:
            e = f" {e.capitalize()} "
        out.append(e)
    d.emails = out
    return True


def _c_drop_phone(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    if len(d.phones) > 1:
        d.phones.pop(g.r.randrange(len(d.phones)))
    else:
        d.phones = []
    return True


def _c_drop_email(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    if len(d.emails) > 1:
        d.emails.pop(g.r.randrange(len(d.emails)))
    else:
        d.emails = []
    return True


def _c_drop_company(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    d.company = None
    return True


def _c_drop_address(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    d.address = None
    if g.r.random() < 0.5:
        d.city = None
    return True


def _c_drop_birthday(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    d.birthday = None
    return True


def _c_moved(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    for _ in range(5):
        if per.cn_based:
            city = g.r.choice(g.p.cn_cities)
            eng = d.locale not in ("zh_CN", "zh_TW", "ja_JP")
            addr = g.cn_address(city, eng)
            if eng:
                city = _CN_CITIES[city][0]
        else:
            addr, city = g.r.choice(g.p.streets[d.locale]), g.r.choice(_LATIN_CITIES[d.locale])
        if addr != per.rec.address:
            d.address, d.city = addr, city
            return True
    return False


def _abbrev_address(addr: str, city: str | None) -> str | None:
    for old, new in _ADDR_ABBREV:
        if old in addr:
            return addr.replace(old, new, 1)
    if city and addr.startswith(city + "市"):
        return addr[len(city) + 1 :]
    if addr.endswith("室") and "栋" in addr:
        return addr[:-1].replace("栋", "-")
    if addr.startswith("No. "):
        return addr[4:]
    return None


def _c_abbrev(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    new = _abbrev_address(d.address or "", d.city)
    if new is None:
        return False
    d.address = new
    return True


def _company_variants(company: str) -> list[str]:
    out = []
    for old, new in _COMPANY_SUFFIX:
        if old in company:
            v = company.replace(old, new, 1).strip()
            if v and v != company:
                out.append(v)
    return out


def _c_company(g: _Gen, per: _Person, d: SynthCustomer) -> bool:
    vs = _company_variants(d.company or "")
    if not vs:
        return False
    d.company = g.r.choice(vs)
    return True


_CORR_FUNCS: dict[str, Callable[[_Gen, _Person, SynthCustomer], bool]] = {
    "typo_name": _c_typo,
    "swap_name_order": _c_swap,
    "pinyin_name": _c_roman,
    "romanized_name": _c_roman,
    "case_name": _c_case,
    "extra_whitespace": _c_space,
    "phone_format": _c_phone_format,
    "email_case": _c_email_case,
    "drop_phone": _c_drop_phone,
    "drop_email": _c_drop_email,
    "drop_company": _c_drop_company,
    "drop_address": _c_drop_address,
    "drop_birthday": _c_drop_birthday,
    "moved_address": _c_moved,
    "address_abbrev": _c_abbrev,
    "company_suffix": _c_company,
}
