"""The import's email fast path returns exactly what the validation layer returns."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from custinfo import validation
from custinfo.errors import ValidationError
from custinfo.importer import fastpath

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


@settings(max_examples=400, deadline=None)
@given(LOCAL, DOMAIN, st.sampled_from(["", " ", "Ａ", "\u3000"]))
def test_email_fast_path_is_equivalent(local: str, domain: str, pad: str) -> None:
    raw = f"{pad}{local}@{domain}{pad}"
    assert outcome(fastpath.email, raw) == outcome(validation.normalize_email, raw)


def test_role_mailboxes_and_synthetic_emails() -> None:
    from custinfo.synth import generate, to_fields

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


@settings(max_examples=1500, deadline=None)
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
    from custinfo.synth import generate, to_fields

    raws = [p for c in generate(3000, seed=5) for p in to_fields(c)["phones"]]
    for raw in raws:
        for region in ("CN", "US"):
            expected = phone_outcome(validation.normalize_phone, raw, region)
            assert phone_outcome(fastpath.phone, raw, region) == expected
