"""Deterministic synthetic-customer generator.

Produces realistic, *labelled* customer records for a small business in China with
international customers: ~60% zh_CN, ~25% en_US and ~15% other locales.  Each record
carries its ground-truth identity (``cluster``); duplicate records of the same person
carry realistic corruptions (listed in ``corruption``), namesakes are different people
sharing a common name, and sparse records have neither phone nor e-mail.

Faker is used only to build small pools once per process (with a fixed seed); all
per-record sampling uses a private ``random.Random(seed)``, so output is identical for
the same seed across runs and processes, and fast (~60k records/s, ~16 µs each).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from random import Random
from typing import TypeVar

_T = TypeVar("_T")

__all__ = ["CORRUPTIONS", "LOCALE_WEIGHTS", "SynthCustomer", "generate", "to_fields"]


@dataclass(slots=True)
class SynthCustomer:
    """One synthetic customer record (raw, as a person would type it) plus labels."""

    name: str
    phones: list[str]
    emails: list[str]
    company: str | None
    address: str | None
    city: str | None
    birthday: str | None
    tags: list[str]
    notes: list[str]
    cluster: int
    locale: str
    corruption: list[str] = field(default_factory=list)


#: Columns of `csv_row`: a spreadsheet as owners bring it (the benchmarks and tests use it).
CSV_HEADER = ["name", "phone", "email", "company", "address", "city", "birthday", "tags", "notes"]


def csv_row(c: SynthCustomer) -> list[str]:
    """The customer as one row under CSV_HEADER: several phones or emails in one cell
    separated by "; ", tags by ", ", notes one per line."""
    return [
        c.name, "; ".join(c.phones), "; ".join(c.emails), c.company or "", c.address or "",
        c.city or "", c.birthday or "", ", ".join(c.tags), "\n".join(c.notes),
    ]  # fmt: skip


def to_fields(c: SynthCustomer) -> dict:
    """Plain dict of the customer fields (no cluster/locale/corruption labels)."""
    return {
        "name": c.name,
        "phones": list(c.phones),
        "emails": list(c.emails),
        "company": c.company,
        "address": c.address,
        "city": c.city,
        "birthday": c.birthday,
        "tags": list(c.tags),
        "notes": list(c.notes),
    }


#: Every corruption name that can appear in ``SynthCustomer.corruption``.
CORRUPTIONS: tuple[str, ...] = (
    "typo_name",
    "swap_name_order",
    "pinyin_name",
    "romanized_name",
    "case_name",
    "extra_whitespace",
    "phone_format",
    "email_case",
    "drop_phone",
    "drop_email",
    "drop_company",
    "drop_address",
    "drop_birthday",
    "moved_address",
    "address_abbrev",
    "company_suffix",
)

#: Locale mix of *people* (duplicates follow their original).
LOCALE_WEIGHTS: dict[str, int] = {
    "zh_CN": 60,
    "en_US": 25,
    "en_GB": 4,
    "de_DE": 3,
    "fr_FR": 3,
    "ja_JP": 3,
    "zh_TW": 2,
}

_FAKER_SEED = 20240601
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# --------------------------------------------------------------------------- phones


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


# --------------------------------------------------------------------------- static data

# (pinyin city, area code without trunk 0, districts) ; weights below
_CN_CITIES: dict[str, tuple[str, str, list[str]]] = {
    "上海": (
        "Shanghai",
        "21",
        ["浦东新区", "徐汇区", "静安区", "黄浦区", "长宁区", "普陀区", "闵行区", "杨浦区"],
    ),
    "北京": (
        "Beijing",
        "10",
        ["朝阳区", "海淀区", "东城区", "西城区", "丰台区", "昌平区", "通州区"],
    ),
    "广州": ("Guangzhou", "20", ["天河区", "越秀区", "海珠区", "白云区", "番禺区"]),
    "深圳": ("Shenzhen", "755", ["南山区", "福田区", "罗湖区", "宝安区", "龙岗区"]),
    "杭州": ("Hangzhou", "571", ["西湖区", "上城区", "拱墅区", "滨江区", "余杭区"]),
    "成都": ("Chengdu", "28", ["武侯区", "锦江区", "青羊区", "金牛区", "成华区"]),
    "南京": ("Nanjing", "25", ["玄武区", "鼓楼区", "秦淮区", "建邺区"]),
    "武汉": ("Wuhan", "27", ["江汉区", "武昌区", "洪山区", "汉阳区"]),
    "天津": ("Tianjin", "22", ["和平区", "南开区", "河西区"]),
    "重庆": ("Chongqing", "23", ["渝中区", "江北区", "南岸区"]),
    "西安": ("Xi'an", "29", ["雁塔区", "碑林区", "未央区"]),
    "苏州": ("Suzhou", "512", ["姑苏区", "吴中区", "相城区"]),
}
_CN_CITY_WEIGHTS = [30, 15, 9, 10, 9, 6, 5, 4, 3, 3, 3, 3]
_CN_ROADS = [
    "中山路",
    "人民路",
    "解放路",
    "建设路",
    "南京路",
    "淮海路",
    "长安街",
    "张杨路",
    "世纪大道",
    "科技园路",
    "文三路",
    "天府大道",
    "建国路",
    "和平路",
    "新华路",
    "光明路",
    "胜利路",
    "花园路",
    "学院路",
    "东风路",
    "延安路",
    "深南大道",
    "华山路",
    "青年路",
    "滨江大道",
    "环城路",
    "朝阳路",
    "长江路",
    "黄河路",
    "漕宝路",
]

# Chinese family names, weight ~ per-mille share (common ones dominate).
_CN_SURNAMES = (
    "王71 李70 张68 刘54 陈45 杨31 赵23 黄22 周21 吴20 徐17 孙15 胡13 朱13 高12 林12 何12 "
    "郭11 马10 罗9 梁8 宋7 郑7 谢6 韩6 唐5 冯5 于5 董5 萧4 程4 曹4 袁4 邓4 许4 傅4 沈4 曾4 "
    "彭3 吕3 苏3 卢3 蒋3 蔡3 贾3 丁3 魏3 薛3 叶3 阎2 余2 潘2 杜2 戴2 夏2 钟2 汪2 田2 任2 "
    "姜2 范2 方2 石2 姚2 谭2 廖2 邹2 熊2 金2 陆2 郝2 孔2 白2 崔2 康2 毛2 邱2 秦2 江2 史2 "
    "顾2 侯2 邵2 孟2 龙2 万2 段2 雷2 钱2 汤2 尹2 黎2 易2 常2 武2 乔2 贺2 赖2 龚2 文2 欧阳1"
)
# Given-name characters; the first block are very common single-character names.
_CN_GIVEN_COMMON = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"
_CN_GIVEN_OTHER = (
    "英华红玲建林峰文辉斌宇浩凯鹏婷雪琳晨欣怡佳俊子涵梓轩雨博嘉思睿一诗宁鑫振国海燕志秀桂"
    "春梅兰慧颖慧晓东玉凤云飞龙德新亮成永波丹萍倩瑞阳"
)
# Homophones / look-alikes used for Chinese name typos.
_CN_HOMOPHONES: dict[str, str] = {
    "伟": "玮炜维",
    "芳": "方芬",
    "娜": "那",
    "敏": "民闽",
    "静": "晶婧",
    "丽": "莉俐",
    "强": "蔷",
    "磊": "垒",
    "军": "君均",
    "洋": "阳扬",
    "勇": "永涌",
    "艳": "燕彦",
    "杰": "洁捷",
    "娟": "鹃涓",
    "涛": "滔",
    "明": "铭鸣",
    "超": "朝",
    "霞": "夏",
    "平": "萍苹",
    "刚": "钢纲",
    "华": "桦骅",
    "红": "虹鸿",
    "玲": "铃琳",
    "建": "健剑",
    "林": "琳霖",
    "峰": "锋丰",
    "文": "雯闻",
    "辉": "晖徽",
    "斌": "彬",
    "宇": "雨羽",
    "浩": "皓昊",
    "凯": "楷恺",
    "鹏": "朋",
    "婷": "亭庭",
    "张": "章",
    "王": "汪",
    "李": "黎",
    "刘": "柳",
}
_PINYIN_OVERRIDES = {"曾": "zeng", "万": "wan", "阳": "yang"}

_LATIN_CITIES: dict[str, list[str]] = {
    "en_US": [
        "New York",
        "San Francisco",
        "Los Angeles",
        "Chicago",
        "Seattle",
        "Boston",
        "Houston",
        "Palo Alto",
    ],
    "en_GB": ["London", "Manchester", "Birmingham", "Edinburgh", "Bristol", "Leeds"],
    "de_DE": ["Berlin", "München", "Hamburg", "Frankfurt am Main", "Köln", "Stuttgart"],
    "fr_FR": ["Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Bordeaux"],
    "ja_JP": ["東京", "大阪", "横浜", "名古屋", "京都", "福岡"],
    "zh_TW": ["台北", "台中", "高雄", "台南", "新竹", "桃園"],
}
_HOME_PHONE = {
    "en_US": ["US"],
    "en_GB": ["GB_M", "GB_M", "GB_M", "GB_L"],
    "de_DE": ["DE"],
    "fr_FR": ["FR"],
    "ja_JP": ["JP"],
    "zh_TW": ["TW"],
}
_CN_MAIL = ["qq.com"] * 35 + ["163.com"] * 25 + ["126.com"] * 10 + ["sina.com"] * 5
_CN_MAIL += ["foxmail.com"] * 5 + ["gmail.com"] * 5 + ["outlook.com"] * 5
_INTL_MAIL = ["gmail.com"] * 40 + ["outlook.com"] * 15 + ["yahoo.com"] * 12
_INTL_MAIL += ["hotmail.com"] * 8 + ["icloud.com"] * 5
_LOCAL_MAIL = {
    "en_GB": ["yahoo.co.uk", "btinternet.com"],
    "de_DE": ["web.de", "gmx.de"],
    "fr_FR": ["orange.fr", "free.fr"],
    "ja_JP": ["yahoo.co.jp", "docomo.ne.jp"],
    "zh_TW": ["yahoo.com.tw", "gmail.com"],
}
_TAGS = ["VIP", "潜在客户", "wholesale", "retail", "老客户", "newsletter", "经销商", "B2B"]
_NOTES_ZH = [
    "回访：客户对价格满意",
    "客户询问发货时间",
    "已发送报价单 Q{n}",
    "{m}月{d}日电话沟通，约下周见面",
    "客户反映产品有质量问题，已安排退换",
    "微信联系，确认订单 #{n}",
    "客户要求开具增值税发票",
    "介绍了新产品，客户有兴趣",
    "老客户推荐",
    "催款：发票 #{n} 未付",
]
_NOTES_EN = [
    "Called about invoice #{n}",
    "Sent quote Q-{n}",
    "Follow-up meeting on {m}/{d}",
    "Asked for bulk discount",
    "Complained about late delivery (order #{n})",
    "Prefers contact by email",
    "Referred by existing customer",
    "Interested in new catalogue",
    "Left voicemail",
    "Payment received for invoice #{n}",
]
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


def _cum(weights: list[int]) -> list[float]:
    total, acc, out = sum(weights), 0, []
    for w in weights:
        acc += w
        out.append(acc / total)
    return out


def _ascii_fold(s: str) -> str:
    """Lower-case ASCII letters only (for e-mail local parts)."""
    s = s.replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s.lower() if "a" <= ch <= "z")


# --------------------------------------------------------------------------- pools


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


# --------------------------------------------------------------------------- people


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

# --------------------------------------------------------------------------- public


_RESERVOIR = 50_000
_MAX_CLUSTER = 4


def generate(
    n: int,
    *,
    seed: int = 0,
    dup_share: float = 0.15,
    namesake_share: float = 0.02,
    sparse_share: float = 0.05,
) -> Iterator[SynthCustomer]:
    """Yield exactly ``n`` synthetic customers, deterministically for ``seed``.

    About ``dup_share`` of the records are extra (corrupted) records of an earlier
    person (same ``cluster``), spread through the output; about ``namesake_share``
    are new people named exactly like an earlier person; about ``sparse_share`` of
    people have no phone and no e-mail (name, address and birthday only).  Cluster ids
    are 0, 1, 2, ... in order of a person's first appearance.  Duplicates are drawn
    from a uniform reservoir of up to 50,000 earlier people, so memory stays bounded.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    for nm, v in (("dup_share", dup_share), ("namesake_share", namesake_share)):
        if not 0.0 <= v < 1.0:
            raise ValueError(f"{nm} must be in [0, 1)")
    if not 0.0 <= sparse_share <= 1.0:
        raise ValueError("sparse_share must be in [0, 1]")
    if dup_share + namesake_share >= 1.0:
        raise ValueError("dup_share + namesake_share must be < 1")
    return _generate(n, seed, dup_share, namesake_share, sparse_share)


def _generate(
    n: int, seed: int, dup_share: float, namesake_share: float, sparse_share: float
) -> Iterator[SynthCustomer]:
    g = _Gen(seed)
    r = g.r
    res: list[_Person] = []
    people = 0
    ns_cut = dup_share + namesake_share
    for _ in range(n):
        x = r.random()
        if x < dup_share and res:
            per = None
            for _try in range(4):
                cand = res[r.randrange(len(res))]
                size = cand.copies + 1
                if size < _MAX_CLUSTER and (size == 1 or r.random() < 0.35):
                    per = cand
                    break
            if per is not None:
                per.copies += 1
                yield g.duplicate(per)
                continue
        name_from = res[r.randrange(len(res))] if x >= dup_share and x < ns_cut and res else None
        per = g.new_person(people, r.random() < sparse_share, name_from)
        people += 1
        if len(res) < _RESERVOIR:
            res.append(per)
        else:
            j = r.randrange(people)
            if j < _RESERVOIR:
                res[j] = per
        yield per.rec
