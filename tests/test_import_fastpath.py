"""The import's email fast path returns exactly what the validation layer returns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from custinfo import validation
from custinfo.errors import ValidationError
from custinfo.importer import fastpath
from tests.budget import examples

LOCAL = st.text(st.sampled_from([*list("aZ09._+-'!#~\"() @\\"), "é", "王", "."]), max_size=70)
DOMAIN = st.sampled_from(
    ["example.com", "EXAMPLE.com", "qq.com", "例子.中国", "localhost", "a..b", "-x.com", "x",
     "[1.2.3.4]", "ex ample.com", "münchen.de", "xn--mnchen-3ya.de", "test", "a.b" * 60]
)  # fmt: skip


def outcome(fn, raw: str) -> object:
    try:
        return fn(raw)
    except ValidationError as exc:
        return ("error", str(exc), exc.field)


@settings(max_examples=examples(400), deadline=None)
@given(LOCAL, DOMAIN, st.sampled_from(["", " ", "Ａ", "\u3000"]))
def test_email_fast_path_is_equivalent(local: str, domain: str, pad: str) -> None:
    raw = f"{pad}{local}@{domain}{pad}"
    assert outcome(fastpath.email, raw) == outcome(validation.normalize_email, raw)


def test_role_mailboxes_and_synthetic_emails() -> None:
    from custinfo.demo.synth import generate, to_fields

    raws = ["Postmaster@Example.com", "ABUSE@x.org", "a@b"]
    raws += [e for c in generate(300, seed=3) for e in to_fields(c)["emails"]]
    for raw in raws:
        assert outcome(fastpath.email, raw) == outcome(validation.normalize_email, raw)


PREFIXES = [
    "",
    "+",
    "+86",
    "+86 ",
    "0086",
    "86",
    "0",
    "00",
    "+1",
    "1",
    "011",
    "+44",
    "+49",
    "12593",
    "17951",
]


def phone_outcome(fn, raw: str, region: str) -> object:
    try:
        return fn(raw, region)
    except ValidationError as exc:
        return ("error", str(exc), exc.field)


@settings(max_examples=examples(1500), deadline=None)
@given(
    st.sampled_from(PREFIXES),
    st.text(st.sampled_from(list("0123456789") * 4 + [" ", "-", ".", "(", ")"]), max_size=16),
    st.sampled_from(["CN", "US", "GB", "DE", "JP"]),
)
def test_phone_fast_path_is_equivalent(prefix: str, body: str, region: str) -> None:
    raw = prefix + body
    expected = phone_outcome(validation.normalize_phone, raw, region)
    assert phone_outcome(fastpath.phone, raw, region) == expected


def test_phone_fast_path_on_synthetic_phones() -> None:
    from custinfo.demo.synth import generate, to_fields

    raws = [p for c in generate(3000, seed=5) for p in to_fields(c)["phones"]]
    for raw in raws:
        for region in ("CN", "US"):
            expected = phone_outcome(validation.normalize_phone, raw, region)
            assert phone_outcome(fastpath.phone, raw, region) == expected


# -- phones as people type them ------------------------------------------------------------
# (calling code, trunk prefix, national numbers from phonenumbers' examples) per country.
COUNTRIES = {
    "CN": (86, "0", ["1012345678", "13123456789", "8001234567", "2187654321", "75512345678"]),
    "HK": (852, "", ["21234567", "51234567", "800123456", "91234567"]),
    "TW": (886, "0", ["221234567", "912345678", "800123456", "41234567"]),
    "US": (1, "1", ["2015550123", "6502530000", "8002345678", "2125550199"]),
    "GB": (44, "0", ["1212345678", "7400123456", "8001234567", "2071234567"]),
    "DE": (49, "0", ["30123456", "15123456789", "8001234567890", "891234567"]),
    "JP": (81, "0", ["312345678", "9012345678", "120123456", "8012345678"]),
    "SG": (65, "", ["61234567", "81234567", "18001234567", "91234567"]),
    "AU": (61, "0", ["212345678", "412345678", "1800123456", "396543210"]),
    "FR": (33, "0", ["123456789", "612345678", "801234567", "712345678"]),
}
DEFAULT_REGIONS = [*COUNTRIES, "CA", "IM", "KZ", "RU", "MO"]
DIGITS = "0123456789"
FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in DIGITS + "+-.()"}
EXTENSIONS = ["", " ext. 12", " ext.12", " x3", "x 45", "转8", " 转 123", "分机 9", "#123",
              " extension 45", " ext 1234567", " x12345678", " Ext. 7"]  # fmt: skip


@st.composite
def typed_phones(draw: st.DrawFn) -> tuple[str, str]:
    """(phone, default region): a phone written the way people write it, for any of the
    countries, in national or international form, grouped with spaces, dashes or dots,
    perhaps with an extension or full-width; its national number an example one with its
    last digits changed (mostly still valid), or shortened, lengthened or garbled."""
    country = draw(st.sampled_from(sorted(COUNTRIES)))
    cc, trunk, examples = COUNTRIES[country]
    region = draw(st.sampled_from([country, country, *DEFAULT_REGIONS]))
    example = draw(st.sampled_from(examples))
    if draw(st.booleans()):  # same length, last digits changed
        keep = draw(st.integers(max(1, len(example) - 4), len(example)))
        size = len(example) - keep
        tail = draw(st.text(st.sampled_from(DIGITS), min_size=size, max_size=size))
    else:
        keep = draw(st.integers(1, len(example)))
        tail = draw(st.text(st.sampled_from(DIGITS), max_size=len(example) - keep + 2))
    nsn = example[:keep] + tail
    head = draw(
        st.sampled_from(
            [trunk, trunk, "", f"+{cc}", f"+{cc}", f"+{cc} ", f"00{cc}", f"011{cc}", f"{cc}",
             f"+{cc}0", f"0{cc}", f"17951{trunk}", f"+{cc}{trunk}", f"(+{cc})", "+", "00"]
        )
    )  # fmt: skip
    sep = draw(st.sampled_from(["", " ", "-", ".", " - ", "  "]))
    cuts = sorted(draw(st.lists(st.integers(1, max(1, len(nsn) - 1)), max_size=3, unique=True)))
    groups = [nsn[i:j] for i, j in zip([0, *cuts], [*cuts, len(nsn)], strict=True)]
    groups = [g for g in groups if g]
    if groups and draw(st.booleans()):
        groups[0] = f"({groups[0]})"
    text = head + draw(st.sampled_from(["", " ", "-", "."])) + sep.join(groups)
    if draw(st.integers(0, 4)) == 0:
        text = text.translate(FULLWIDTH)
    pad = draw(st.sampled_from(["", " ", "\u3000"]))
    return pad + text + draw(st.sampled_from(EXTENSIONS)) + pad, region


def assert_same_phone(raw: str, region: str) -> None:
    expected = phone_outcome(validation.normalize_phone, raw, region)
    assert phone_outcome(fastpath.phone, raw, region) == expected, (raw, region)


@settings(max_examples=examples(3000), deadline=None)
@given(typed_phones())
def test_typed_phones_are_equivalent(phone_and_region: tuple[str, str]) -> None:
    assert_same_phone(*phone_and_region)


PIECES = [*DIGITS * 3, " ", "-", ".", "(", ")", "+", "０", "８", "６", "x", "转", "#", "ext. ",
          "00", "86", "1", "0", "\u3000"]  # fmt: skip


@settings(max_examples=examples(1500), deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=22).map("".join),
    st.sampled_from(DEFAULT_REGIONS),
)
def test_random_phone_strings_are_equivalent(raw: str, region: str) -> None:
    assert_same_phone(raw, region)


def test_edge_phones() -> None:
    raws = ["139" + "-" * 250 + "12345678", "139" + "." * 230 + "12345678", "+" + "8" * 20,
            "0086 " + "0" * 12, "00", "+86", "+800 1234 5678", "+1 800 234 5678", "+7 701 123 4567",
            "+44 1624 456789", "+44 7924 123456", "(+86) 139 1234 5678)", "+(86)13912345678",
            "86 139 1234 5678", "8613912345678", "0086013912345678", "1 650 253 0000",
            "650 253 0000 x 1234567", "650 253 0000 x 12345678", "139 1234 5678 # 12",
            "+39 06 1234 5678", "+39 312 345 6789", "+225 01 23 45 67 89",
            "12593 13912345678"]  # fmt: skip
    for raw in raws:
        for region in DEFAULT_REGIONS:
            assert_same_phone(raw, region)
    assert fastpath._fast_phone("139" + "-" * 250 + "12345678", "CN") is None


def test_validity_tables_equal_is_valid_number() -> None:
    """Around every example number of every region: single-digit changes, shorter, longer."""
    import random

    import phonenumbers

    rng = random.Random(11)
    checked = valid = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        cc = phonenumbers.country_code_for_region(region)
        test = fastpath._validity_for(cc)
        if test is False:
            continue
        for kind in phonenumbers.PhoneNumberType.values():
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            nsn = str(example.national_number)
            variants = {nsn, nsn[:-1], nsn[:-2], nsn + "0", nsn + "12", nsn[1:]}
            for _ in range(12):
                at = rng.randrange(len(nsn))
                variants.add(nsn[:at] + rng.choice(DIGITS) + nsn[at + 1 :])
            for candidate in variants:
                if not candidate or candidate[0] == "0":
                    continue
                number = phonenumbers.PhoneNumber(country_code=cc, national_number=int(candidate))
                expected = phonenumbers.is_valid_number(number)
                assert test(candidate) == expected, (region, candidate)
                checked += 1
                valid += expected
    assert checked > 10_000 and valid > checked // 4


def test_national_prefix_step_equals_phonenumbers() -> None:
    """`_Plan.strip` and the length tests against phonenumbers' own helpers, every region."""
    import random

    import phonenumbers
    from phonenumbers import phonenumberutil as util

    rng = random.Random(5)
    checked = stripped = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        plan = fastpath._plan(meta)
        prefixes = ["", "0", "1", "00", "01", "8", "10", "12593", "17951", "0118", "2", "9"]
        if meta.national_prefix:
            prefixes.append(meta.national_prefix)
        for _ in range(60):
            number = rng.choice(prefixes) + "".join(
                rng.choice(DIGITS) for _ in range(rng.randrange(0, 13))
            )
            expected = util._maybe_strip_national_prefix_carrier_code(number, meta)[1]
            assert plan.strip(number) == expected, (region, number)
            result = util._test_number_length(number, meta)
            assert plan.too_long(number) == (result == util.ValidationResult.TOO_LONG)
            assert plan.keeps_stripped(number) == (result not in fastpath_keep(util))
            checked += 1
            stripped += expected != number
    assert checked > 10_000 and stripped > 1_000


def fastpath_keep(util) -> tuple:
    result = util.ValidationResult
    return (result.TOO_SHORT, result.IS_POSSIBLE_LOCAL_ONLY, result.INVALID_LENGTH)


def test_synthetic_phones_take_the_fast_path() -> None:
    from custinfo.demo.synth import generate, to_fields

    raws = [p for c in generate(3000, seed=6) for p in to_fields(c)["phones"]]
    assert len(raws) > 2000
    for region in ("CN", "US", "GB", "HK"):
        fast = 0
        for raw in raws:
            assert_same_phone(raw, region)
            fast += fastpath._fast_phone(raw, region) is not None
        if region == "CN":  # the benchmark's region: (almost) every phone is fast
            assert fast >= 0.98 * len(raws)
