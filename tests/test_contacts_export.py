"""vCard export that phones accept, and that custinfo imports back losslessly (issue 18)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custinfo.export.vcard import card, split_name
from custinfo.models import Customer, Note
from tests.conftest import PASSPHRASE

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "contacts"
ALL = ("google_legacy.csv", "google_2023.csv", "outlook.csv", "phone_21.vcf", "phone_30.vcf",
       "phone_40.vcf", "kehu_gbk.csv", "taobao.csv")  # fmt: skip
KEPT = ("name", "phones", "emails", "company", "address", "city", "birthday", "tags", "notes",
        "created_at", "updated_at", "wechat", "qq")  # fmt: skip


def parse(text: str) -> list:
    import vobject

    return list(vobject.readComponents(text))


@pytest.mark.parametrize(
    ("name", "n"),
    [("Smith, John", "Smith;John"), ("WEI, Zhang", "Wei;Zhang"), ("ZHANG Wei", "Zhang;Wei"),
     ("欧阳娜娜", "欧阳;娜娜"), ("司马光", "司马;光"), ("张伟", "张;伟"),
     ("John Q Smith", "Smith;John Q"), ("Cher", ";Cher")],
)  # fmt: skip
def test_n_is_split_right(name: str, n: str) -> None:
    text = card(Customer(id=1, name=name))
    assert f"\r\nN:{n};;;\r\n" in text
    assert split_name(name) == tuple(n.split(";"))
    [parsed] = parse(text)
    assert parsed.fn.value == name


def test_export_is_vcard_30_with_types_and_parses(cli, db) -> None:
    for name in ("phone_30.vcf", "kehu_gbk.csv"):
        cli.ok("import", FIXTURES / name)
    text = cli.ok("export", "--format", "vcard")
    cards = parse(text)
    assert len(cards) == 5 and all(c.version.value == "3.0" for c in cards)
    by_name = {c.fn.value: c for c in cards}
    john = by_name["John Q Smith"]
    tels = {t.value: t.params.get("TYPE") for t in john.tel_list}
    assert tels["+12125550100"] == ["CELL"] and tels["+12125550199"] == ["WORK"]
    assert john.email.params["TYPE"] == ["INTERNET,WORK"] or john.email.params["TYPE"] == [
        "INTERNET", "WORK"]  # fmt: skip
    assert john.x_wechat.value == "jsmith_88"
    chen = by_name["陈静"]
    assert chen.n.value.family == "陈" and chen.n.value.given == "静"
    assert {t.value: t.params["TYPE"] for t in chen.tel_list} == {
        "+8613805710001": ["CELL"], "+8657188886666": ["WORK"]}  # fmt: skip
    assert chen.x_qq.value == "12345678" and chen.bday.value == "1980-03-15"
    liu = by_name["刘洋"]
    assert liu.bday.value == "--05-12"
    for c in cards:  # every TEL has a TYPE (old Outlook drops those without)
        assert all(t.params.get("TYPE") for t in c.contents.get("tel", []))
    v4 = cli.ok("export", "--format", "vcard", "--vcard-version", "4.0")
    assert "VERSION:4.0\r\n" in v4 and "TEL;VALUE=uri;TYPE=cell:tel:+8613805710001" in v4
    assert len(parse(v4)) == 5
    refused = cli("export", "--vcard-version", "4.0")
    assert refused.code == 2 and "--format vcard only" in refused.stderr


def test_csv_and_json_carry_wechat_and_qq(cli, db) -> None:
    import csv

    cli.ok("import", FIXTURES / "kehu_gbk.csv")
    rows = list(csv.reader(io.StringIO(cli.ok("export"))))
    assert rows[0][13:15] == ["wechat", "qq"] and rows[0][:2] == ["id", "name"]
    chen = next(r for r in rows if r[1] == "陈静")
    assert chen[13:15] == ["chenjing_hz", "12345678"]
    record = json.loads(cli.ok("show", chen[0], "--format", "json"))
    assert (record["wechat"], record["qq"]) == (["chenjing_hz"], ["12345678"])
    assert "wechat: chenjing_hz" in cli.ok("show", chen[0])


def test_every_fixture_round_trips_through_vcard(cli, db, tmp_path: Path) -> None:
    for name in ALL:
        cli.ok("import", FIXTURES / name)
    before = [json.loads(x) for x in cli.ok("export", "--format", "ndjson").splitlines()]
    text = cli.ok("export", "--format", "vcard")
    other = tmp_path / "other.db"
    cli.ok("init", "--region", "CN", "--db", str(other))
    src = tmp_path / "all.vcf"
    src.write_text(text, encoding="utf-8")
    result = cli("import", src, "--db", str(other))
    assert result.code == 0, result.stderr
    after = [
        json.loads(x)
        for x in cli.ok("export", "--format", "ndjson", "--db", str(other)).splitlines()
    ]
    assert [{k: c[k] for k in KEPT} for c in after] == [{k: c[k] for k in KEPT} for c in before]
    from custinfo.store import Store

    with Store.open(tmp_path / "customers.db", PASSPHRASE.encode()) as a, Store.open(
        other, PASSPHRASE.encode()
    ) as b:  # fmt: skip
        ids_a = [c["id"] for c in before]
        ids_b = [c["id"] for c in after]
        labels_a = a.labels(ids_a)
        labels_b = b.labels(ids_b)
        assert [labels_a.get(i) for i in ids_a] == [labels_b.get(i) for i in ids_b]


# -- the property: any customer custinfo can store comes back from its vCard ---------------
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"),
    min_size=1, max_size=30,
)  # fmt: skip
_AWKWARD = st.sampled_from(
    ["a,b", "x;y", "back\\slash", "冒号:值", "欧阳娜娜", "  spaced  ", "\\n"]
)
_EMAILS = st.sampled_from(["a@example.com", "Li.Na@example.cn"])
_PHONES = st.sampled_from(["+8613800138000", "+861062345678 ext. 23", "+12155550147",
                           "+447911123456", "+8657188886666"])  # fmt: skip


def _clean(text: str, multiline: bool = False) -> str:
    """The text as custinfo stores it, or "" if it would refuse it (nothing visible)."""
    from custinfo import validation
    from custinfo.errors import ValidationError

    try:
        if multiline:
            return validation.normalize_note(text)
        return validation.normalize_optional(text, "name") or ""
    except ValidationError:
        return ""


@st.composite
def customers(draw: st.DrawFn) -> Customer:
    def words(multiline: bool = False) -> str:
        value = _clean(draw(st.one_of(_TEXT, _AWKWARD)), multiline)
        return value or "x"

    def tag() -> str:
        from custinfo import validation
        from custinfo.errors import ValidationError

        try:  # a tag as custinfo stores it ("," alone becomes " ", which it refuses)
            return validation.normalize_tag(words().replace(",", " "))
        except ValidationError:
            return "x"

    raw_tags = [tag() for _ in range(draw(st.integers(0, 3)))]
    tags = sorted({t.casefold(): t for t in raw_tags}.values(), key=str.casefold)

    def maybe() -> str | None:
        return words() if draw(st.booleans()) else None

    notes = [Note(f"2024-0{i + 1}-02T03:04:05.{i:06d}Z", words(True))
             for i in range(draw(st.integers(0, 3)))]  # fmt: skip
    return Customer(
        id=draw(st.integers(1, 10**6)),
        name=words(),
        phones=draw(st.lists(_PHONES, unique=True, max_size=3)),
        emails=draw(st.lists(_EMAILS, unique=True, max_size=2)),
        company=maybe(),
        address=maybe(),
        city=maybe(),
        birthday=draw(st.sampled_from([None, "1985-04-22", "--04-22", "--02-29", "2000-12-31"])),
        tags=tags,
        notes=notes,
        created_at="2023-01-02T03:04:05.000006Z",
        updated_at="2024-05-06T07:08:09.000000Z",
        wechat=draw(st.lists(st.sampled_from(["wx_zhang", "liu-88"]), unique=True, max_size=2)),
        qq=draw(st.lists(st.sampled_from(["12345678", "987654321"]), unique=True, max_size=2)),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(customer=customers(), version=st.sampled_from(["3.0", "4.0"]))
def test_a_custinfo_vcard_imports_back_losslessly(customer: Customer, version: str) -> None:
    from custinfo.importer.rows import Converter, Valid
    from custinfo.importer.vcard import Cards

    labels = {("phone", p): "work" for p in customer.phones[:1]}
    text = card(customer, version, labels)
    [(line, record)] = list(Cards(io.StringIO(text)))
    row = Converter([], [], {}, "CN", now="2030-01-01T00:00:00.000000Z")(line, record)
    assert isinstance(row, Valid), row
    assert row.name == customer.name
    assert [f"{e}{' ext. ' + x if x else ''}" for e, x in row.phones] == customer.phones
    assert [a for a, _ in row.emails] == customer.emails
    assert (row.company, row.address, row.city, row.birthday) == (
        customer.company, customer.address, customer.city, customer.birthday)  # fmt: skip
    assert list(row.tags) == customer.tags
    assert [(at, text) for at, text in row.notes] == [(n.at, n.text) for n in customer.notes]
    assert (row.created_at, row.updated_at) == (customer.created_at, customer.updated_at)
    handles = [(k, h) for k, h in row.handles]
    assert handles == [("wechat", h) for h in customer.wechat] + [("qq", h) for h in customer.qq]
    assert [x for x in row.labels if x[0] == "phone"] == [
        ("phone", p, "work") for p in customer.phones[:1]]  # fmt: skip
    [parsed] = parse(text)  # and vobject reads it
    assert parsed.version.value == version
