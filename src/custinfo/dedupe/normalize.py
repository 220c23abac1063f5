"""Matching forms of customer fields and blocking keys (pure functions, no I/O).

Names become sorted lower-case Latin tokens: Chinese characters through pinyin (family name
first, the given name as one token, as people romanise it: 张小明 → "xiaoming zhang"), Latin
letters case-folded and stripped of accents. So 张伟, "Zhang Wei", "WEI Zhang" and "Zhang, Wei"
share one key. Addresses, companies and cities get folded comparison forms.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[^\W\d_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
_NON_WORD = re.compile(r"[\W_]+")
_ASCII_WORDS = re.compile(r"[a-z]+")
#: Surnames whose reading differs from the character's most common one.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha",
    "区": "ou", "乐": "yue", "尉": "yu", "万": "wan", "阳": "yang", "盖": "ge", "缪": "miao",
    "翟": "zhai", "覃": "qin", "黑": "he", "秘": "bi", "长孙": "zhangsun",
}  # fmt: skip
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 令狐 慕容 司徒 尉迟 公孙 长孙 夏侯 宇文 轩辕 端木 独孤".split()  # noqa: SIM905
)
_ADDRESS_WORDS = {
    "st": "street", "ave": "avenue", "rd": "road", "dr": "drive", "ln": "lane",
    "blvd": "boulevard", "ct": "court", "apt": "apartment", "no": "", "rm": "room",
}  # fmt: skip
_COMPANY_SUFFIXES = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|公司|\b(?:limited|ltd|inc|incorporated|llc|l\.l\.c"
    r"|co|corp|corporation|gmbh|ag|sa|sarl|plc)\b\.?)",
    re.I,
)


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[int, str]:
    """pypinyin's single-character readings, without importing its phrase dictionary.

    `import pypinyin` loads a 2.5 MB phrase dictionary (~0.4 s); names need only the
    per-character table (~0.1 s), which this reads from pypinyin's own data file.
    """
    import importlib.util
    import os

    spec = importlib.util.find_spec("pypinyin")
    assert spec is not None and spec.submodule_search_locations
    path = os.path.join(next(iter(spec.submodule_search_locations)), "pinyin_dict.py")
    loader_spec = importlib.util.spec_from_file_location("_custinfo_pinyin_dict", path)
    assert loader_spec is not None and loader_spec.loader is not None
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    return module.pinyin_dict


@lru_cache(maxsize=65536)
def _char_pinyin(ch: str) -> str:
    """Toneless pinyin of the character's first (most common) reading; ü as u."""
    readings = _pinyin_table().get(ord(ch))
    if not readings:
        return ch
    first = readings.split(",")[0]
    plain = "".join(c for c in unicodedata.normalize("NFKD", first) if not unicodedata.combining(c))
    return plain if plain.isascii() and plain.isalpha() else ch


def _ascii(word: str) -> str:
    word = word.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("œ", "oe")
    decomposed = unicodedata.normalize("NFKD", word)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded


@lru_cache(maxsize=262144)
def name_tokens(name: str) -> tuple[str, ...]:
    """Lower-case Latin tokens of a name, in typed order (pinyin for Chinese)."""
    if name.isascii():
        return tuple(_ASCII_WORDS.findall(name.lower()))
    text = unicodedata.normalize("NFKC", name).casefold()
    runs = _RUNS.findall(text)
    if len(runs) > 1 and all(_IS_CJK.match(r) for r in runs):
        # "夏 晓俊" is typed family, space, given: the same person as "夏晓俊".
        family = _cjk_tokens(runs[0]) if len(runs[0]) == 1 else [_pinyin(runs[0])]
        return (family[0], "".join(_pinyin(r) for r in runs[1:]))
    tokens: list[str] = []
    for run in runs:
        if _IS_CJK.match(run):
            tokens.extend(_cjk_tokens(run))
        else:
            tokens.append(_ascii(run))
    return tuple(t for t in tokens if t)


def _pinyin(run: str) -> str:
    return SURNAME_READINGS.get(run) or "".join(_char_pinyin(c) for c in run)


def _cjk_tokens(run: str) -> list[str]:
    """张小明 → ["zhang", "xiaoming"]; a lone character → its pinyin."""
    if len(run) == 1:
        return [SURNAME_READINGS.get(run) or _char_pinyin(run)]
    n = 2 if run[:2] in COMPOUND_SURNAMES and len(run) > 2 else 1
    family = SURNAME_READINGS.get(run[:n]) or "".join(_char_pinyin(c) for c in run[:n])
    given = "".join(_char_pinyin(c) for c in run[n:])
    return [family, given]


def surname_token(name: str, typed: tuple[str, ...] | None = None) -> str:
    """The family name's token: first for Chinese characters or "Family, Given", else last."""
    tokens = typed if typed is not None else name_tokens(name)
    if not tokens:
        return ""
    return tokens[0] if "," in name or has_cjk(name) else tokens[-1]


def has_cjk(text: str) -> bool:
    return _IS_CJK.search(text) is not None


@lru_cache(maxsize=262144)
def name_key(name: str) -> str:
    """Order-free matching form of a name: sorted tokens joined by spaces."""
    return " ".join(sorted(name_tokens(name)))


@lru_cache(maxsize=262144)
def phonetic_key(name: str) -> str:
    """Sorted metaphone codes of a Latin name's tokens ("" for CJK or one-token names)."""
    import jellyfish

    if has_cjk(name):
        return ""
    tokens = name_tokens(name)
    if len(tokens) < 2:
        return ""
    return " ".join(sorted(jellyfish.metaphone(t) or t for t in tokens))


def fold_text(value: str | None) -> str:
    """Case-folded, NFKC, punctuation-free text with single spaces ("" for None)."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


@lru_cache(maxsize=65536)
def city_key(city: str | None) -> str:
    """Cities compare through pinyin too: 杭州 and Hangzhou meet."""
    if not city:
        return ""
    text = fold_text(city)
    if has_cjk(text):
        text = "".join(_char_pinyin(c) if _IS_CJK.match(c) else c for c in text)
    return text.replace(" ", "")


def address_key(address: str | None, city: str | None = None) -> str:
    """Folded address, common abbreviations expanded, a leading "<city>市" dropped."""
    text = fold_text(address)
    if not text:
        return ""
    if city:
        c = _fold_cached(city)
        for prefix in (c + "市", c):
            if c and text.startswith(prefix) and has_cjk(prefix):
                text = text[len(prefix) :].lstrip()
                break
    if " " not in text:  # Chinese addresses: one run, no abbreviations to expand
        return text
    words = [_ADDRESS_WORDS.get(w, w) for w in text.split()]
    return " ".join(w for w in words if w)


@lru_cache(maxsize=65536)
def _fold_cached(value: str) -> str:
    return fold_text(value)


def company_key(company: str | None) -> str:
    if not company:
        return ""
    return fold_text(_COMPANY_SUFFIXES.sub(" ", unicodedata.normalize("NFKC", company)))


def email_local(key: str) -> str:
    """The local part of a case-folded email key (what people keep across providers)."""
    return key.rpartition("@")[0]


#: Kind of a stored key, kept in the low 3 bits of its hash (blocks are capped per kind).
KEY_KINDS = {"n": 1, "m": 2, "b": 3, "u": 4, "d": 5, "y": 6, "s": 7}


def stable_hash(text: str) -> int:
    """A signed 64-bit hash, the same in every process; low 3 bits: the key's kind."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little", signed=True)
    return (value & ~7) | KEY_KINDS.get(text[:1], 0)


_DIGITS = re.compile(r"\d+")
_STREET = re.compile(r"(\d+)\s*([^\W\d_]{3,})")
_CJK_STREET = re.compile(rf"([{_CJK}]{{2}})(\d+)")


def address_numbers(address: str | None) -> list[str]:
    """The numbers of an address, leading zeros dropped (full-width digits too)."""
    if not address:
        return []
    return [str(int(d)) for d in _DIGITS.findall(unicodedata.normalize("NFKC", address))]


def house_number(address: str | None) -> str:
    """The first number of an address ("" if none)."""
    if not address:
        return ""
    m = _DIGITS.search(address)  # \d matches full-width digits too, and int() reads them
    return str(int(m.group())) if m else ""


def street_key(address: str | None) -> str:
    """House number + street name: "43 cullen" (43 Cullen Street), "华路1254" (…新华路1254号).

    Survives a changed or missing postcode, suburb or city."""
    if not address:
        return ""
    text = unicodedata.normalize("NFKC", address).casefold()
    m = _STREET.search(text)
    if m:
        return f"{int(m.group(1))} {m.group(2)}"
    m = _CJK_STREET.search(text)
    return f"{int(m.group(2))} {m.group(1)}" if m else ""


def address_digits(address: str | None, city: str | None) -> str:
    """City plus the numbers of an address: survives abbreviations and spelling."""
    if not address:
        return ""
    digits = _DIGITS.findall(unicodedata.normalize("NFKC", address))
    if len("".join(digits)) < 3:
        return ""
    return f"{city_key(city)}|{' '.join(digits)}"


def blocking_keys(
    name: str,
    birthday: str | None,
    emails: list[str] | tuple[str, ...] = (),
    address: str | None = None,
    city: str | None = None,
) -> set[str]:
    """Blocking keys stored for a customer (phones and emails use their own indexes).

    - `n|tokens`: the order-free name (pinyin for Chinese);
    - `m|codes`: metaphone codes of a Latin name (catches most typos);
    - `b|birthday|token`: birthday with each name token (a typo in the other token, or a
      romanisation, still meets);
    - `u|local`: the local part of each email (same person, another provider);
    - `d|city|numbers`: the city and the numbers of the address;
    - `y|birthday|number`: birthday with the first and the last number of the address (a
      typo in the name and the street still meets);
    - `s|number street`: house number and street name (`street_key`).
    """
    keys: set[str] = set()
    nk = name_key(name)
    if nk:
        keys.add("n|" + nk)
    pk = phonetic_key(name)
    if pk and pk != nk:
        keys.add("m|" + pk)
    if birthday:
        for token in name_tokens(name):
            if len(token) >= 2:
                keys.add(f"b|{birthday}|{token}")
    for email in emails:
        local = email_local(email)
        if len(local) >= 4:
            keys.add("u|" + local)
    digits = address_digits(address, city)
    if digits:
        keys.add("d|" + digits)
    numbers = address_numbers(address)
    if birthday and numbers:
        for number in {numbers[0], numbers[-1]}:
            keys.add(f"y|{birthday}|{number}")
    street = street_key(address)
    if street:
        keys.add("s|" + street)
    return keys


def trim_caches(limit: int) -> None:
    """Empty the per-value caches above `limit` entries: a long-lived process (an import's
    worker) keeps its memory bounded; a dedupe run keeps the full caches."""
    for cached in (_char_pinyin, name_tokens, name_key, phonetic_key, city_key, _fold_cached):
        if cached.cache_info().currsize > limit:
            cached.cache_clear()
