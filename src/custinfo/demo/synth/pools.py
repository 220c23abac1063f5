"""Sampling pools, built once per process from Faker (fixed seed), pypinyin and the tables."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from custinfo.demo.synth.data import (
    _CN_CITIES,
    _CN_CITY_WEIGHTS,
    _CN_GIVEN_COMMON,
    _CN_GIVEN_OTHER,
    _CN_HOMOPHONES,
    _CN_ROADS,
    _CN_SURNAMES,
    _PINYIN_OVERRIDES,
)
from custinfo.demo.synth.phones import _build_phone_patterns, _PhonePattern
from custinfo.demo.synth.record import LOCALE_WEIGHTS

_FAKER_SEED = 20240601


def _ascii_fold(s: str) -> str:
    """Lower-case ASCII letters only (for e-mail local parts)."""
    s = s.replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s.lower() if "a" <= ch <= "z")


@dataclass(slots=True)
class _Pools:
    surnames: list[str]  # expanded by weight
    given1: list[str]  # expanded, first given char / single-char names
    given2: list[str]
    pinyin: dict[str, str]
    cn_cities: list[str]  # expanded by weight
    road_en: dict[str, str]
    district_en: dict[str, str]
    latin_names: dict[str, tuple[list[str], list[str]]]  # locale -> (firsts, lasts)
    ja_names: tuple[list[tuple[str, str]], list[tuple[str, str]]]  # (kanji, romaji) pairs
    tw_names: tuple[list[str], list[str]]
    streets: dict[str, list[str]]
    companies: dict[str, list[str]]
    company_domains: list[str]
    dates: list[str]
    phones: dict[str, _PhonePattern]


def _pinyin_of(chars: set[str]) -> dict[str, str]:
    from pypinyin import Style, lazy_pinyin

    out = {}
    for ch in chars:
        py = _PINYIN_OVERRIDES.get(ch) or lazy_pinyin(ch, style=Style.NORMAL)[0]
        out[ch] = py.replace("v", "u") if py.isascii() and py.isalpha() else "x"
    return out


def _roman(pinyin: dict[str, str], s: str) -> str:
    return "".join(pinyin.get(ch, "") for ch in s).capitalize()


@lru_cache(maxsize=1)
def _pools() -> _Pools:
    """Build the sampling pools once per process (Faker seeded with a fixed seed)."""
    from email_validator import EmailNotValidError, validate_email
    from faker import Faker

    surnames: list[str] = []
    for tok in _CN_SURNAMES.split():
        i = next(k for k, ch in enumerate(tok) if ch.isdigit())
        surnames += [tok[:i]] * int(tok[i:])
    given1 = list(_CN_GIVEN_COMMON) * 6 + list(_CN_GIVEN_OTHER)
    given1 += ["小"] * 8
    given2 = list(_CN_GIVEN_OTHER) * 2 + list(_CN_GIVEN_COMMON)
    cn_cities: list[str] = []
    for city, w in zip(_CN_CITIES, _CN_CITY_WEIGHTS, strict=True):
        cn_cities += [city] * w

    latin: dict[str, tuple[list[str], list[str]]] = {}
    streets: dict[str, list[str]] = {}
    companies: dict[str, list[str]] = {}
    domains: list[str] = []
    tw_first: list[str] = []
    tw_last: list[str] = []
    for i, loc in enumerate(LOCALE_WEIGHTS):
        fk = Faker(loc)
        fk.seed_instance(_FAKER_SEED + i)
        companies[loc] = [fk.company() for _ in range(300)]
        if loc in ("en_US", "en_GB", "de_DE", "fr_FR"):
            latin[loc] = (
                [fk.first_name() for _ in range(400)],
                [fk.last_name() for _ in range(400)],
            )
            streets[loc] = [fk.street_address().replace("\n", ", ") for _ in range(600)]
        elif loc == "ja_JP":
            streets[loc] = [
                f"{fk.prefecture()}{fk.city()}{fk.town()}{fk.chome()}{fk.ban()}{fk.gou()}"
                for _ in range(600)
            ]
        elif loc == "zh_TW":
            streets[loc] = [fk.street_address() for _ in range(600)]
            tw_first = [fk.first_name() for _ in range(300)]
            tw_last = [fk.last_name() for _ in range(300)]
        for _ in range(60):
            d = _ascii_fold_domain(fk.domain_name())
            try:
                validate_email(f"info@{d}", check_deliverability=False)
            except EmailNotValidError:
                continue
            domains.append(d)
    streets["en_US"] += [
        f"{n} {s} {suf}"
        for n, s, suf in zip(
            range(101, 9999, 37),
            latin["en_US"][1] * 2,
            ["Street", "Avenue", "Road", "Drive", "Lane", "Boulevard", "Court"] * 40,
            strict=False,
        )
    ]
    import faker.providers.person.ja_JP as ja

    ja_last = [(k, r) for k, _, r in ja.Provider.last_name_pairs]
    ja_first = [(k, r) for k, _, r in ja.Provider.first_name_pairs]

    chars = set(_CN_GIVEN_COMMON) | set(_CN_GIVEN_OTHER) | set(surnames)
    chars |= {c for v in _CN_HOMOPHONES.values() for c in v}
    chars |= set("".join(_CN_ROADS)) | set("".join(tw_first + tw_last))
    chars |= {c for _, _, ds in _CN_CITIES.values() for d in ds for c in d}
    pinyin = _pinyin_of(chars)

    road_en = {}
    for r in _CN_ROADS:
        if r.endswith("大道"):
            road_en[r] = _roman(pinyin, r[:-2]) + " Avenue"
        elif r.endswith("街"):
            road_en[r] = _roman(pinyin, r[:-1]) + " Street"
        else:
            road_en[r] = _roman(pinyin, r[:-1]) + " Road"
    district_en = {}
    for _, _, ds in _CN_CITIES.values():
        for d in ds:
            if d.endswith("新区"):
                district_en[d] = _roman(pinyin, d[:-2]) + " New District"
            else:
                district_en[d] = _roman(pinyin, d[:-1]) + " District"

    start, end = date(1950, 1, 1).toordinal(), date(2005, 12, 31).toordinal()
    dates = [date.fromordinal(o).isoformat() for o in range(start, end + 1)]
    return _Pools(
        surnames=surnames,
        given1=given1,
        given2=given2,
        pinyin=pinyin,
        cn_cities=cn_cities,
        road_en=road_en,
        district_en=district_en,
        latin_names=latin,
        ja_names=(ja_last, ja_first),
        tw_names=(tw_last, tw_first),
        streets=streets,
        companies=companies,
        company_domains=sorted(set(domains)),
        dates=dates,
        phones=_build_phone_patterns(),
    )


def _ascii_fold_domain(d: str) -> str:
    return ".".join(_ascii_fold(p) or "x" for p in d.split("."))
