"""The validation layer (core, no terminal): phones, emails, text, birthdays, tags."""

from __future__ import annotations

import datetime as dt

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from custinfo import validation as v
from custinfo.errors import ValidationError
from custinfo.text import fold, normalize_multiline, normalize_text
from tests.budget import examples

# -- phones -----------------------------------------------------------------------------------

MOBILE = "+8613800138000"
BEIJING = "+861062345678"


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("13800138000", "CN", MOBILE),
        ("138 0013 8000", "CN", MOBILE),
        ("138-0013-8000", "CN", MOBILE),
        ("138.0013.8000", "CN", MOBILE),
        ("(138) 0013 8000", "CN", MOBILE),
        ("  138  0013\t8000 ", "CN", MOBILE),
        ("１３８００１３８０００", "CN", MOBILE),  # full-width digits
        ("１３８－００１３－８０００", "CN", MOBILE),  # full-width digits and dashes
        ("＋８６　１３８ ００１３ ８０００", "CN", MOBILE),  # full-width plus and space
        ("+86 138 0013 8000", "CN", MOBILE),
        ("+86-138-0013-8000", "US", MOBILE),
        ("0086 138 0013 8000", "CN", MOBILE),
        ("008613800138000", "CN", MOBILE),
        ("8613800138000", "CN", MOBILE),
        ("010-6234 5678", "CN", BEIJING),
        ("(010) 62345678", "CN", BEIJING),
        ("010 62345678", "CN", BEIJING),
        ("+86 10 6234 5678", "GB", BEIJING),
        ("+86（010）62345678", "CN", BEIJING),  # full-width parentheses
        ("021-62345678", "CN", "+862162345678"),
        ("0755-8888 1234", "CN", "+8675588881234"),
        ("+1 (415) 555-2671", "CN", "+14155552671"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("415.555.2671", "US", "+14155552671"),
        ("+44 20 7946 0958", "CN", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+49 30 12345678", "CN", "+493012345678"),
        ("+81 3-1234-5678", "CN", "+81312345678"),
        ("+852 5123 4567", "CN", "+85251234567"),
        ("0912 345 678", "TW", "+886912345678"),
    ],
)
def test_phone_formats(raw: str, region: str, e164: str) -> None:
    phone = v.normalize_phone(raw, region)
    assert phone.e164 == e164
    assert phone.ext is None
    assert str(phone) == e164


@pytest.mark.parametrize(
    ("raw", "region", "ext"),
    [
        ("010-62345678 转 23", "CN", "23"),
        ("010-62345678转23", "CN", "23"),
        ("010-62345678 分机 8", "CN", "8"),
        ("010-62345678 ext. 23", "CN", "23"),
        ("010-62345678 ext 23", "CN", "23"),
        ("010-62345678 x23", "CN", "23"),
        ("010-62345678#23", "CN", "23"),
        ("010-62345678 转 ２３", "CN", "23"),
        ("415.555.2671 ext 7", "US", "7"),
    ],
)
def test_phone_extensions_are_kept(raw: str, region: str, ext: str) -> None:
    phone = v.normalize_phone(raw, region)
    assert phone.ext == ext
    assert str(phone) == f"{phone.e164} ext. {ext}"
    assert v.parse_stored_phone(str(phone)) == phone
    # The stored display form parses back to the same phone.
    assert v.normalize_phone(str(phone), "US") == phone


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("123", "CN", "too short"),
        ("abc", "CN", "not a phone number"),
        ("138 0013 8000 0000 0000", "CN", "too long"),
        ("+999 1234567", "CN", "unknown country code"),
        ("138 0013 80001", "CN", "not a valid number"),
        ("62345678", "CN", "not a valid number"),  # a landline without its area code
        ("+86 100 0000 0000", "CN", "not a valid number"),
        ("00 86", "CN", "too short"),
    ],
)
def test_invalid_phones_name_value_and_reason(raw: str, region: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        v.normalize_phone(raw, region)
    message = str(caught.value)
    assert repr(raw) in message
    assert reason in message
    assert caught.value.field == "phone"


def test_invalid_foreign_phone_names_its_own_region() -> None:
    with pytest.raises(ValidationError, match="for region US"):
        v.normalize_phone("+1 555 555 5555", "CN")


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_empty_phone(raw: str) -> None:
    with pytest.raises(ValidationError, match="phone is empty"):
        v.normalize_phone(raw, "CN")


def test_check_region() -> None:
    assert v.check_region("cn") == "CN"
    assert v.check_region(" us ") == "US"
    with pytest.raises(ValidationError, match="unknown region 'XX'"):
        v.check_region("XX")


def test_unique_phones_drops_repeats_but_keeps_extensions_apart() -> None:
    phones = v.unique_phones(
        ["138 0013 8000", "+86 13800138000", "010-62345678", "010-62345678 转 23"], "CN"
    )
    assert [str(p) for p in phones] == [MOBILE, BEIJING, f"{BEIJING} ext. 23"]


REGIONS = ["CN", "HK", "TW", "SG", "JP", "KR", "US", "CA", "GB", "DE", "FR", "IT", "ES", "NL",
           "AU", "IN", "BR", "RU", "CH", "SE"]  # fmt: skip
TYPES = [PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE]
_FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789+-()"} | {ord(" "): 0x3000}


def _renderings(number: phonenumbers.PhoneNumber) -> list[tuple[str, str]]:
    """(typed text, region to parse it in) in the ways people write this number."""
    region = phonenumbers.region_code_for_number(number)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return [
        (e164, "CN"),
        (intl, "CN"),
        (intl.replace(" ", "-"), "US"),
        (intl.replace(" ", "."), "GB"),
        (intl.replace(" ", ""), "CN"),
        ("00" + e164[1:], "CN"),  # international prefix as dialled from China
        (phonenumbers.format_number(number, PhoneNumberFormat.RFC3966), "CN"),
        (national, region),
        (national.replace(" ", "-"), region),
        (f"  {national} ", region),
        (intl.translate(_FULLWIDTH), "CN"),
        (national.translate(_FULLWIDTH), region),
    ]


@settings(max_examples=examples(150), deadline=None)
@given(
    region=st.sampled_from(REGIONS),
    kind=st.sampled_from(TYPES),
    tail=st.text(alphabet="0123456789", min_size=0, max_size=3),
)
def test_phone_normalisation_is_format_invariant(region: str, kind: int, tail: str) -> None:
    example = phonenumbers.example_number_for_type(region, kind)
    assume(example is not None)
    digits = str(example.national_number)
    # Vary the last digits so the test covers more than the one example number.
    number = phonenumbers.parse(f"+{example.country_code}{digits[: len(digits) - len(tail)]}{tail}")
    assume(phonenumbers.is_valid_number(number))
    expected = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    for typed, parse_region in _renderings(number):
        phone = v.normalize_phone(typed, parse_region)
        assert (typed, phone.e164, phone.ext) == (typed, expected, None)
        # Idempotent: the E.164 output normalises to itself, whatever the region.
        assert v.normalize_phone(phone.e164, "US").e164 == expected


# -- emails -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "address", "key"),
    [
        ("Zhang.Wei@Example.COM", "Zhang.Wei@example.com", "zhang.wei@example.com"),
        ("  a@b.co  ", "a@b.co", "a@b.co"),
        ("ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ABC@example.com", "abc@example.com"),  # full-width
        ("x@MÜNCHEN.de", "x@münchen.de", "x@münchen.de"),
        ("用户@例子.广告", "用户@例子.广告", "用户@例子.广告"),
        ("Ω@EXAMPLE.com", "Ω@example.com", "ω@example.com"),
    ],
)
def test_emails_normalised_with_casefolded_key(raw: str, address: str, key: str) -> None:
    email = v.normalize_email(raw)
    assert (email.address, email.key) == (address, key)
    assert str(email) == address
    assert v.email_key(address) == key


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("bad", "must have an @-sign"),
        ("a@b", "should have a period"),
        ("a..b@example.com", "two periods in a row"),
        ("a b@example.com", "invalid characters"),
        ("@example.com", "something before the @-sign"),
    ],
)
def test_invalid_emails_name_value_and_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        v.normalize_email(raw)
    assert repr(raw) in str(caught.value)
    assert reason in str(caught.value)
    assert caught.value.field == "email"


def test_empty_email() -> None:
    with pytest.raises(ValidationError, match="email is empty"):
        v.normalize_email("  ")


def test_unique_emails_ignores_case() -> None:
    emails = v.unique_emails(["A@Example.com", "a@example.COM", "b@example.com"])
    assert [e.address for e in emails] == ["A@example.com", "b@example.com"]


@settings(max_examples=examples(200), deadline=None)
@given(st.emails())
def test_email_normalisation_is_idempotent(raw: str) -> None:
    try:
        first = v.normalize_email(raw)
    except ValidationError:
        assume(False)
        return
    again = v.normalize_email(first.address)
    assert (again.address, again.key) == (first.address, first.key)
    assert first.key == first.address.casefold()
    if first.address.isascii():  # the matching key ignores case
        assert v.normalize_email(first.address.upper()).key == first.key


# -- names and text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  张   伟 ", "张 伟"),
        ("Zhang\t\tWei\n", "Zhang Wei"),
        ("e\u0301mile", "émile"),  # NFC
        ("Ａｌｉｃｅ　１２３", "Alice 123"),  # full-width letters, digits and space folded
        ("上海（浦东），１号：好。", "上海（浦东），1号：好。"),  # Chinese punctuation kept
        ("a\x00b\x07c\x7fd\x85e", "abcde"),  # control characters dropped
        ("a\u00a0b\u2003c", "a b c"),  # other spaces collapse too
        ("O\u2019Brien", "O\u2019Brien"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_fold_symbols_folds_punctuation_for_phones_and_emails() -> None:
    assert normalize_text("（０１０）－１２", fold_symbols=True) == "(010)-12"
    assert normalize_text("（０１０）－１２") == "（010）－12"


def test_normalize_multiline_keeps_line_breaks() -> None:
    assert normalize_multiline("  first  line \r\n\n\n  second\tline \r third ") == (
        "first line\nsecond line\nthird"
    )


def test_fold_is_case_insensitive_key() -> None:
    assert fold("  VIP  Kunde ") == fold("vip kunde") == "vip kunde"
    assert fold("ＶＩＰ") == "vip"


def test_names() -> None:
    assert v.normalize_name(" 王　小明 ") == "王 小明"
    for raw in ("", "   ", "\u3000\t"):
        with pytest.raises(ValidationError, match="name must not be empty"):
            v.normalize_name(raw)
    with pytest.raises(ValidationError, match="name is longer than"):
        v.normalize_name("x" * (v.MAX_TEXT + 1))


def test_optional_fields_empty_means_none() -> None:
    assert v.normalize_optional(None, "city") is None
    assert v.normalize_optional("   ", "city") is None
    assert v.normalize_optional(" 上海 ", "city") == "上海"
    assert v.normalize_optional("a\n\nb", "notes", multiline=True) == "a\nb"
    with pytest.raises(ValidationError, match="company is longer than"):
        v.normalize_optional("x" * (v.MAX_TEXT + 1), "company")


def test_notes() -> None:
    assert v.normalize_note(" 回访：\n\n 对价格满意 ") == "回访：\n对价格满意"
    with pytest.raises(ValidationError, match="note must not be empty"):
        v.normalize_note(" \n ")


TEXT = st.text() | st.text(
    alphabet=st.sampled_from(
        list(" \t\n\r\x0b\x0c\u3000\u00a0\u2028\u2029\u0301\u0308\u0327eEaA가ᄀ\u1161"
             "ＡＺａ０９，（）！＿\x00\x1f\x7f\x85\ufeff")
    )
)  # fmt: skip


@settings(max_examples=examples(400), deadline=None)
@given(TEXT)
def test_normalize_text_is_idempotent(raw: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert normalize_text(once, fold_symbols=True) == normalize_text(raw, fold_symbols=True)
    assert "\n" not in once and "  " not in once and once == once.strip()


@settings(max_examples=examples(400), deadline=None)
@given(TEXT)
def test_normalize_multiline_is_idempotent(raw: str) -> None:
    once = normalize_multiline(raw)
    assert normalize_multiline(once) == once
    assert "\n\n" not in once and once == once.strip()


@settings(max_examples=examples(200), deadline=None)
@given(TEXT)
def test_fold_is_idempotent(raw: str) -> None:
    assert fold(fold(raw)) == fold(raw)


# -- birthdays and tags -----------------------------------------------------------------------


def test_birthdays() -> None:
    assert v.normalize_birthday("1990-01-31") == "1990-01-31"
    assert v.normalize_birthday(" 2000-02-29 ") == "2000-02-29"
    assert v.normalize_birthday("１９９０－０１－３１") == "1990-01-31"  # full-width
    assert v.normalize_birthday(None) is None
    assert v.normalize_birthday("  ") is None
    assert v.normalize_birthday(dt.date.today().isoformat()) == dt.date.today().isoformat()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1990/01/31", "expected a date as YYYY-MM-DD"),
        ("31-01-1990", "expected a date as YYYY-MM-DD"),
        ("1990-1-31", "expected a date as YYYY-MM-DD"),
        ("1990-02-30", "expected a date as YYYY-MM-DD"),
        ("2001-02-29", "expected a date as YYYY-MM-DD"),
        ("yesterday", "expected a date as YYYY-MM-DD"),
        ((dt.date.today() + dt.timedelta(days=1)).isoformat(), "is in the future"),
    ],
)
def test_invalid_birthdays(raw: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        v.normalize_birthday(raw)
    assert repr(raw) in str(caught.value) and reason in str(caught.value)
    assert caught.value.field == "birthday"


def test_tags() -> None:
    assert v.normalize_tag(" VIP  客户 ") == "VIP 客户"
    assert v.normalize_tag("ＶＩＰ") == "VIP"
    assert v.normalize_tag("老客户，常来") == "老客户，常来"  # a full-width comma is fine
    assert v.tag_key("VIP") == v.tag_key("vip") == "vip"
    assert v.unique_tags(["VIP", "vip", " Vip ", "新客"]) == ["VIP", "新客"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("a,b", "must not contain commas"),
        ("a\tb", "control characters"),
        ("a\nb", "control characters"),
        ("   ", "tag must not be empty"),
        ("x" * 101, "longer than 100 characters"),
    ],
)
def test_invalid_tags(raw: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        v.normalize_tag(raw)


# -- a whole customer -------------------------------------------------------------------------


def test_customer_input_normalises_every_field() -> None:
    new = v.customer_input(
        name=" 张  伟 ",
        region="CN",
        phones=["138 0013 8000", "+86 138-0013-8000", "010-62345678 转 23"],
        emails=["Zhang.Wei@Example.COM", "zhang.wei@example.com"],
        company=" 明辉　贸易 ",
        address="",
        city="上海",
        birthday="1985-07-01",
        tags=["VIP", "vip"],
        notes=["  first ", "", "  "],
    )
    assert new.name == "张 伟"
    assert [str(p) for p in new.phones] == [MOBILE, f"{BEIJING} ext. 23"]
    assert [e.address for e in new.emails] == ["Zhang.Wei@example.com"]
    assert (new.company, new.address, new.city) == ("明辉 贸易", None, "上海")
    assert new.birthday == "1985-07-01"
    assert new.tags == ["VIP"]
    assert new.notes == ["first"]


def test_customer_input_raises_on_first_bad_value() -> None:
    with pytest.raises(ValidationError) as caught:
        v.customer_input(name="x", region="CN", phones=["138 0013 8000", "12"])
    assert caught.value.field == "phone" and "'12'" in str(caught.value)
