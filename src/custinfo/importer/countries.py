"""Country names as contact files write them, to ISO 3166 region codes.

The names come from phonenumbers' own table of region names in many languages
(`phonenumbers/geodata/locale.py`), read from its file directly: importing the
`phonenumbers.geodata` package would load every geocoding prefix (~2 s). Two- and
three-letter codes and a few common spellings ("USA", "UK", "中国大陆") are added.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ALIASES = {
    "usa": "US", "unitedstatesofamerica": "US", "america": "US", "us": "US", "uk": "GB",
    "greatbritain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "prc": "CN",
    "mainlandchina": "CN", "peoplesrepublicofchina": "CN", "chinamainland": "CN",
    "中国大陆": "CN", "中华人民共和国": "CN", "大陆": "CN", "内地": "CN", "中国内地": "CN",
    "hongkongsar": "HK", "hongkongsarchina": "HK", "中国香港": "HK", "香港": "HK",
    "macausar": "MO", "中国澳门": "MO", "澳门": "MO", "中国台湾": "TW", "台湾": "TW",
    "korea": "KR", "republicofkorea": "KR", "韩国": "KR", "南韩": "KR", "russia": "RU",
    "holland": "NL", "uae": "AE", "deutschland": "DE", "日本": "JP", "美国": "US",
    "英国": "GB", "新加坡": "SG", "马来西亚": "MY", "加拿大": "CA", "澳大利亚": "AU",
}  # fmt: skip
_ISO3 = {
    "chn": "CN", "gbr": "GB", "deu": "DE", "fra": "FR", "jpn": "JP", "kor": "KR", "hkg": "HK",
    "twn": "TW", "sgp": "SG", "can": "CA", "aus": "AU", "ita": "IT", "esp": "ES", "nld": "NL",
    "mys": "MY", "ind": "IN", "rus": "RU", "bra": "BR", "mex": "MX", "che": "CH", "aut": "AT",
    "mac": "MO", "tha": "TH", "vnm": "VN", "phl": "PH", "idn": "ID", "nzl": "NZ", "are": "AE",
}  # fmt: skip
#: Languages whose country names are looked up ("aa" is the table's default, English).
_LANGUAGES = ("aa", "zh", "de", "fr", "es", "it", "pt", "nl", "ja", "ko", "ru", "sv", "pl")
_NOISE = re.compile(r"[\s.'’,()\-_/&]+")


def _key(text: str) -> str:
    folded = text.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    plain = folded
    return _NOISE.sub("", plain.replace("&", "and"))


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    import importlib.util
    import os

    import phonenumbers

    path = os.path.join(os.path.dirname(phonenumbers.__file__), "geodata", "locale.py")
    # Named inside phonenumbers so that its relative import (`from ..util import u`) works
    # without importing the `phonenumbers.geodata` package.
    spec = importlib.util.spec_from_file_location("phonenumbers.geodata._custinfo_locale", path)
    names: dict[str, str] = {}
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            table = module.LOCALE_DATA
        except (
            OSError,
            AttributeError,
            ImportError,
        ):  # another phonenumbers layout: codes and aliases only
            table = {}
        for code, by_language in table.items():
            for language in _LANGUAGES:
                value = by_language.get(language)
                if value and not value.startswith("*"):
                    names.setdefault(_key(value), code)
    names.update({_key(k): v for k, v in _ALIASES.items()})
    names.update(_ISO3)
    return names


def region_code(value: str) -> str | None:
    """The region code for a country name or code, or None."""
    import phonenumbers

    text = value.strip()
    if not text:
        return None
    if len(text) == 2 and text.isascii() and text.upper() in phonenumbers.SUPPORTED_REGIONS:
        return text.upper()
    code = _names().get(_key(text))
    return code if code in phonenumbers.SUPPORTED_REGIONS else None
