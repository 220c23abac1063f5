"""The generator state `_Gen`: new people (namesakes, sparse records) and their duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random
from typing import TypeVar

from custinfo.demo.synth.corrupt import (
    _CORR_FUNCS,
    _NAME_CORR,
    _abbrev_address,
    _company_variants,
)
from custinfo.demo.synth.data import (
    _CN_CITIES,
    _CN_MAIL,
    _CN_ROADS,
    _HOME_PHONE,
    _INTL_MAIL,
    _LATIN_CITIES,
    _LOCAL_MAIL,
    _NOTES_EN,
    _NOTES_ZH,
    _TAGS,
)
from custinfo.demo.synth.phones import _fmt_phone, _PhonePattern
from custinfo.demo.synth.pools import _ascii_fold, _pools, _roman
from custinfo.demo.synth.record import LOCALE_WEIGHTS, SynthCustomer

_T = TypeVar("_T")


@dataclass(slots=True)
class _Person:
    """Structured facts about a true person, kept for making duplicates/namesakes."""

    rec: SynthCustomer
    fam: str  # family name as displayed
    given: str
    fam_rom: str  # romanised (Pinyin / Romaji / same as Latin)
    given_rom: str
    cjk: bool
    phones: list[tuple[_PhonePattern, str, int]]  # (pattern, nsn, style)
    cn_based: bool
    copies: int = 0


class _Gen:
    """Holds generator state for one ``generate`` call."""

    def __init__(self, seed: int) -> None:
        self.r = Random(seed)
        self.p = _pools()
        self.pat_count: dict[int, int] = {}
        self.email_id = 0
        loc: list[str] = []
        for k, w in LOCALE_WEIGHTS.items():
            loc += [k] * w
        self.locales = loc
        self.rnd = self.r.random
        self._fold: dict[str, str] = {}
        self._roman: dict[str, str] = {}

    def pick(self, seq: Sequence[_T]) -> _T:
        """Fast uniform choice (``Random.choice`` is several times slower)."""
        return seq[int(self.rnd() * len(seq))]

    def rint(self, lo: int, hi: int) -> int:
        """Fast uniform integer in ``[lo, hi)``."""
        return lo + int(self.rnd() * (hi - lo))

    def fold(self, s: str) -> str:
        v = self._fold.get(s)
        if v is None:
            v = self._fold[s] = _ascii_fold(s) or "x"
        return v

    def roman(self, s: str) -> str:
        v = self._roman.get(s)
        if v is None:
            v = self._roman[s] = _roman(self.p.pinyin, s)
        return v

    # ---- fields
    def new_phone(self, key: str) -> tuple[_PhonePattern, str, int]:
        pat = self.p.phones[key]
        k = self.pat_count.get(id(pat), 0)
        self.pat_count[id(pat)] = k + 1
        r = self.r.random()
        style = 0
        for i, c in enumerate(pat.style_cum):
            if r < c:
                style = i
                break
        return pat, pat.nsn(k), style

    def new_email(self, fam: str, given: str, locale: str, company: str | None) -> str:
        r = self.r
        self.email_id += 1
        num = self.email_id * 7 + self.rint(0, 7)
        f, g = self.fold(fam), self.fold(given)
        cn = locale in ("zh_CN", "zh_TW")
        if company is not None and r.random() < 0.2:
            dom = self.pick(self.p.company_domains)
        elif locale == "zh_CN":
            dom = self.pick(_CN_MAIL)
        elif locale in _LOCAL_MAIL and r.random() < 0.4:
            dom = self.pick(_LOCAL_MAIL[locale])
        else:
            dom = self.pick(_INTL_MAIL)
        if dom == "qq.com" and r.random() < 0.4:
            return f"{10000 + num * 3}@qq.com"
        s = self.rint(0, 6)
        if cn:
            local = (
                f"{f}{g}",
                f"{g}.{f}",
                f"{f}.{g}",
                f"{f}_{g}",
                f"{g[0]}{f}",
                f"{f}{g[0]}",
            )[s]
        else:
            local = (f"{g}.{f}", f"{g}{f}", f"{g[0]}{f}", f"{g}_{f}", f"{f}.{g}", g)[s]
        return f"{local}{num}@{dom}"

    def cn_address(self, city: str, english: bool) -> str:
        r = self.r
        _, _, districts = _CN_CITIES[city]
        d = self.pick(districts)
        road = self.pick(_CN_ROADS)
        num = self.rint(1, 1500)
        if english:
            base = f"No. {num} {self.p.road_en[road]}, {self.p.district_en[d]}"
            if r.random() < 0.4:
                return f"Room {self.rint(1, 30)}{self.rint(1, 10):02d}, {base}"
            return base
        base = f"{city}市{d}{road}{num}号"
        x = r.random()
        if x < 0.25:
            return f"{base}{self.rint(1, 30)}栋{self.rint(1, 30)}{self.rint(1, 10):02d}室"
        if x < 0.4:
            return f"{base}{self.rint(1, 20)}号楼{self.rint(1, 6)}单元{self.rint(101, 2000)}"
        return base

    def address(self, locale: str, cn_based: bool) -> tuple[str | None, str | None]:
        """(address, city) for a person; both may be None."""
        r = self.r
        x = r.random()
        if x >= 0.85:
            if x < 0.92:
                return None, self.city(locale, cn_based)
            return None, None
        if cn_based:
            city = self.pick(self.p.cn_cities)
            if locale in ("zh_CN", "zh_TW", "ja_JP"):
                return self.cn_address(city, False), city
            return self.cn_address(city, True), _CN_CITIES[city][0]
        return self.pick(self.p.streets[locale]), self.pick(_LATIN_CITIES[locale])

    def city(self, locale: str, cn_based: bool) -> str:
        if cn_based:
            city = self.pick(self.p.cn_cities)
            return city if locale in ("zh_CN", "zh_TW", "ja_JP") else _CN_CITIES[city][0]
        return self.pick(_LATIN_CITIES[locale])

    def tags(self) -> list[str]:
        r = self.r
        x = r.random()
        k = 0 if x < 0.4 else 1 if x < 0.75 else 2 if x < 0.93 else 3
        return r.sample(_TAGS, k) if k else []

    def notes(self, locale: str) -> list[str]:
        r = self.r
        x = r.random()
        k = 0 if x < 0.35 else 1 if x < 0.7 else 2 if x < 0.9 else 3
        out: list[str] = []
        for _ in range(k):
            zh = locale.startswith("zh") and r.random() < 0.8
            t = self.pick(_NOTES_ZH if zh else _NOTES_EN)
            if t in out:
                continue
            if "{" in t:
                t = t.format(n=self.rint(1000, 99999), m=self.rint(1, 13), d=self.rint(1, 29))
            out.append(t)
        return out

    # ---- people
    def name_parts(self, locale: str) -> tuple[str, str, str, str, bool]:
        """(family, given, family_romanised, given_romanised, cjk)."""
        r, p = self.r, self.p
        if locale == "zh_CN":
            fam = self.pick(p.surnames)
            if r.random() < 0.4:
                given = self.pick(p.given1)
            else:
                given = self.pick(p.given1) + self.pick(p.given2)
            return fam, given, self.roman(fam), self.roman(given), True
        if locale == "zh_TW":
            fam, given = self.pick(p.tw_names[0]), self.pick(p.tw_names[1])
            return fam, given, self.roman(fam), self.roman(given), True
        if locale == "ja_JP":
            (fk, fr), (gk, gr) = self.pick(p.ja_names[0]), self.pick(p.ja_names[1])
            return fk, gk, fr, gr, True
        firsts, lasts = p.latin_names[locale]
        g, f = self.pick(firsts), self.pick(lasts)
        return f, g, f, g, False

    def new_person(self, cluster: int, sparse: bool, name_from: _Person | None = None) -> _Person:
        r = self.r
        if name_from is not None:
            locale = name_from.rec.locale
            fam, given, fr, gr, cjk = (
                name_from.fam,
                name_from.given,
                name_from.fam_rom,
                name_from.given_rom,
                name_from.cjk,
            )
            name = name_from.rec.name
        else:
            locale = self.pick(self.locales)
            fam, given, fr, gr, cjk = self.name_parts(locale)
            if not cjk:
                name = f"{given} {fam}"
            elif locale == "ja_JP":
                name = f"{fam} {given}"
            else:
                name = fam + given
        cn_based = locale == "zh_CN" or r.random() < 0.4
        phones: list[tuple[_PhonePattern, str, int]] = []
        emails: list[str] = []
        company = self.pick(self.p.companies[locale]) if r.random() < 0.5 else None
        if sparse:
            city = self.pick(self.p.cn_cities) if cn_based else self.pick(_LATIN_CITIES[locale])
            if cn_based:
                eng = locale not in ("zh_CN", "zh_TW", "ja_JP")
                address = self.cn_address(city, eng)
                if eng:
                    city = _CN_CITIES[city][0]
            else:
                address = self.pick(self.p.streets[locale])
            birthday: str | None = self.pick(self.p.dates)
        else:
            address, city = self.address(locale, cn_based)
            birthday = self.pick(self.p.dates) if r.random() < 0.7 else None
        if not sparse:
            x = r.random()
            nph = 0 if x < 0.08 else 1 if x < 0.88 else 2
            for _ in range(nph):
                if cn_based:
                    if locale == "zh_CN" and r.random() < 0.15:
                        key = "CNL_" + (city if city in _CN_CITIES else self.pick(self.p.cn_cities))
                    else:
                        key = "CN"
                else:
                    key = self.pick(_HOME_PHONE[locale])
                phones.append(self.new_phone(key))
            x = r.random()
            nem = 0 if x < 0.2 else 1 if x < 0.93 else 2
            emails = [self.new_email(fr, gr, locale, company) for _ in range(nem)]
        if name_from is not None:
            # a namesake must not coincide with the earlier person on anything else
            old = name_from.rec
            for _ in range(5):
                if address is None or address != old.address:
                    break
                address, city = self.address(locale, cn_based)
            while birthday is not None and birthday == old.birthday:
                birthday = self.pick(self.p.dates)
        rec = SynthCustomer(
            name=name,
            phones=[_fmt_phone(pat, nsn, st) for pat, nsn, st in phones],
            emails=emails,
            company=company,
            address=address,
            city=city,
            birthday=birthday,
            tags=self.tags(),
            notes=self.notes(locale),
            cluster=cluster,
            locale=locale,
            corruption=[],
        )
        return _Person(rec, fam, given, fr, gr, cjk, phones, cn_based)

    # ---- duplicates
    def duplicate(self, per: _Person) -> SynthCustomer:
        """A new record of ``per`` with 1-3 realistic corruptions and enough evidence."""
        r = self.r
        base = per.rec
        base_ev = _evidence(base, base)
        for attempt in range(6):
            d = SynthCustomer(
                name=base.name,
                phones=list(base.phones),
                emails=list(base.emails),
                company=base.company,
                address=base.address,
                city=base.city,
                birthday=base.birthday,
                tags=list(base.tags) if r.random() < 0.6 else self.tags(),
                notes=self.notes(base.locale),
                cluster=base.cluster,
                locale=base.locale,
                corruption=[],
            )
            x = r.random()
            k = 1 if x < 0.45 or attempt >= 4 else 2 if x < 0.8 else 3
            options = self.applicable(per, d)
            if attempt >= 4:  # fall back to non-destructive corruptions only
                options = [o for o in options if not o[0].startswith(("drop_", "moved"))]
            chosen: list[str] = []
            for _ in range(k):
                if not options:
                    break
                nm = options.pop(_weighted_index(r, [w for _, w in options]))[0]
                chosen.append(nm)
                if nm in _NAME_CORR:
                    options = [o for o in options if o[0] not in _NAME_CORR]
            chosen.sort(key=lambda c: not c.startswith("drop_"))  # drops first
            for nm in chosen:
                if _CORR_FUNCS[nm](self, per, d):
                    d.corruption.append(nm)
            if d.corruption and _evidence(base, d) >= min(2, base_ev):
                return d
        # cannot realistically happen; keep a valid (if mildly corrupted) record
        d.name, d.phones, d.emails = base.name, list(base.phones), list(base.emails)
        d.address, d.birthday, d.company = base.address, base.birthday, base.company
        d.corruption = ["extra_whitespace"]
        d.name = d.name + " "
        return d

    def applicable(self, per: _Person, d: SynthCustomer) -> list[tuple[str, float]]:
        out: list[tuple[str, float]] = []
        if per.cjk:
            out.append(("typo_name", 3))
            out.append(("romanized_name" if d.locale == "ja_JP" else "pinyin_name", 8))
        else:
            out += [("typo_name", 10), ("swap_name_order", 6), ("case_name", 5)]
        out.append(("extra_whitespace", 5))
        if d.phones:
            out += [("phone_format", 14), ("drop_phone", 6)]
        if d.emails:
            out += [("email_case", 8), ("drop_email", 6)]
        if d.company:
            out.append(("drop_company", 4))
            if _company_variants(d.company):
                out.append(("company_suffix", 5))
        if d.address:
            out += [("drop_address", 4), ("moved_address", 4)]
            if _abbrev_address(d.address, d.city) is not None:
                out.append(("address_abbrev", 6))
        if d.birthday:
            out.append(("drop_birthday", 3))
        return out


def _weighted_index(r: Random, weights: list[float]) -> int:
    """Index drawn with probability proportional to ``weights``."""
    y = r.random() * sum(weights)
    for i, w in enumerate(weights):
        y -= w
        if y < 0:
            return i
    return len(weights) - 1


def _evidence(base: SynthCustomer, d: SynthCustomer) -> int:
    """How many independent facts tie ``d`` to ``base`` (phone, email, birthday, address)."""
    ev = 0
    if d.phones and base.phones:
        ev += 1
    if d.emails and base.emails:
        ev += 1
    if d.birthday and d.birthday == base.birthday:
        ev += 1
    if d.address and base.address and "moved_address" not in d.corruption:
        ev += 1
    return ev
