"""Custom fields in the core: typed values of every type, the --where planner against a
plain evaluation, and the export → import round trip (hypothesis)."""

from __future__ import annotations

import io
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custinfo.errors import UsageError, ValidationError
from custinfo.fields import Field, values, where
from tests.budget import examples
from tests.conftest import PASSPHRASE

CHOICES = ((1, "金卡"), (2, "银卡"), (3, "Bronze"), (5, "普通"))
TEXT = Field(1, "memo", "备注", "text")
NUMBER = Field(2, "points", "积分", "number")
MONEY = Field(3, "balance", "余额", "money")
DATE = Field(4, "expires", "到期日", "date")
CHOICE = Field(5, "tier", "会员等级", "choice", CHOICES)
MULTI = Field(6, "pref", "偏好", "multichoice", ((1, "茶"), (2, "咖啡"), (4, "Juice")))
BOOL = Field(7, "vip", "VIP", "bool")
ALL = (TEXT, NUMBER, MONEY, DATE, CHOICE, MULTI, BOOL)

_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1
).filter(lambda s: s.strip())
_decimal = st.decimals(allow_nan=False, allow_infinity=False, places=4,
                       min_value=-(10**9), max_value=10**9)  # fmt: skip
RAW = {
    "text": _text,
    "number": st.one_of(
        st.integers(-(2**63) + 1, 2**63 - 1).map(str), _decimal.map(str), st.just("1,200.5"),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    ),
    "money": st.decimals(allow_nan=False, allow_infinity=False, places=2,
                         min_value=-(10**12), max_value=10**12).map(str),
    "date": st.dates().map(lambda d: d.isoformat()),
    "choice": st.sampled_from([label for _, label in CHOICES] + ["bronze", "BRONZE"]),
    "multichoice": st.lists(st.sampled_from(["茶", "咖啡", "juice"]), min_size=1).map(";".join),
    "bool": st.sampled_from(["yes", "No", "TRUE", "false", "1", "0", "是", "否", True, False]),
}  # fmt: skip


@pytest.mark.parametrize("field", ALL, ids=[f.type for f in ALL])
@settings(max_examples=examples(100), deadline=None)
@given(data=st.data())
def test_every_stored_value_reads_back_from_its_text_and_json(field: Field, data) -> None:
    raw = data.draw(RAW[field.type])
    try:
        stored = values.parse(field, raw)
    except ValidationError as exc:  # rare: more than 15 significant digits, only controls
        why = str(exc)
        assert (field.type == "number" and ("digits" in why or "small" in why)) or "empty" in why
        return
    assert isinstance(stored, int | float | str) and not isinstance(stored, bool)
    assert values.parse(field, values.to_text(field, stored)) == stored
    assert values.parse(field, values.to_json(field, stored)) == stored
    assert values.parse(field, json.loads(json.dumps(values.to_json(field, stored)))) == stored


@pytest.mark.parametrize("field", ALL, ids=[f.type for f in ALL])
@settings(max_examples=examples(100), deadline=None)
@given(raw=st.text())
def test_any_input_is_a_value_or_a_validation_error_naming_the_field(field: Field, raw) -> None:
    try:
        values.parse(field, raw)
    except ValidationError as exc:
        assert str(exc).startswith(f"field {field.key}:")


def test_typed_storage_compares_as_the_type_means() -> None:
    assert values.parse(NUMBER, "1200") == 1200 and values.parse(NUMBER, "12.50") == 12.5
    assert values.parse(NUMBER, "1,200") == 1200 and values.parse(NUMBER, "-0.0") == 0
    assert values.parse(MONEY, "¥1,299.5") == 129950 and values.parse(MONEY, "12元") == 1200
    assert values.to_json(MONEY, 129950) == "1299.50"
    assert values.parse(Field(3, "m", "m", "money"), "12", "JPY") == 12
    assert values.parse(DATE, "2027/1/2") == "2027-01-02" == values.parse(DATE, "2027年1月2日")
    assert values.parse(CHOICE, "bronze") == 3
    assert values.parse(MULTI, "juice；茶") == ";1;4;"  # in choice order
    assert values.to_json(MULTI, ";1;4;") == ["茶", "Juice"]
    for bad, field, why in (
        ("1.234", MONEY, "at most 2 decimal places"), ("2027-02-30", DATE, "YYYY-MM-DD"),
        ("铜卡", CHOICE, "金卡, 银卡, Bronze, 普通"), ("maybe", BOOL, "是/否"),
        ("12abc", NUMBER, "a decimal"), ("0.1234567890123456", NUMBER, "15 significant"),
    ):  # fmt: skip
        with pytest.raises(ValidationError, match=why):
            values.parse(field, bad)


@settings(max_examples=examples(125), deadline=None)
@given(st.text(max_size=30))
def test_where_grammar_gives_a_condition_or_a_usage_error(text: str) -> None:
    try:
        cond = where.parse(text)
    except UsageError as exc:
        assert "--where" in str(exc)
        return
    assert cond.op in where.OPERATORS and cond.key == cond.key.lower()


def test_where_grammar_examples() -> None:
    assert where.parse("tier=金卡") == where.Condition("tier", "=", "金卡", "tier=金卡")
    assert where.parse(" points >= 1000 ").op == ">="
    assert where.parse("source~抖音").value == "抖音"
    assert where.parse("expires?").op == "?" and where.parse("! expires ?").op == "!?"
    assert where.parse("tier＝金卡").op == "="  # full-width from a Chinese IME
    assert where.parse("memo=a=b").value == "a=b"
    for bad in ("tier", "=金卡", "tier=", "1x=2", "tier<", "!tier=x"):
        with pytest.raises(UsageError):
            where.parse(bad)


# -- the planner against a plain evaluation -------------------------------------------------
DECLARED = [
    ("tier", "choice", ["金卡", "银卡", "Bronze", "普通"]),
    ("points", "number", []),
    ("balance", "money", []),
    ("expires", "date", []),
    ("pref", "multichoice", ["茶", "咖啡", "Juice"]),
    ("memo", "text", []),
    ("vip", "bool", []),
]
POOL = {
    "tier": ["金卡", "银卡", "Bronze", "普通"],
    "points": ["0", "5", "1000", "1000.5", "-3", "20000"],
    "balance": ["0", "12.50", "1000", "-1"],
    "expires": ["2026-01-01", "2026-12-31", "2027-01-01", "2030-06-15"],
    "pref": ["茶", "咖啡", "Juice", "茶;咖啡", "咖啡;Juice", "茶;咖啡;Juice"],
    "memo": ["抖音直播", "小红书", "Douyin fan", "douyin", "朋友介绍"],
    "vip": ["yes", "no"],
}


@pytest.fixture(scope="module")
def valued(tmp_path_factory):  # type: ignore[no-untyped-def]
    """60 customers with random values (seed 7), opened once: (store, catalog, values)."""
    from custinfo import validation
    from custinfo.fields import manage
    from custinfo.store import Store
    from custinfo.store import fields as stored

    path = tmp_path_factory.mktemp("valued") / "v.db"
    store = Store.create(path, PASSPHRASE.encode(), region="CN")
    for key, kind, choices in DECLARED:
        manage.add(store, key, kind, choices=choices or None)
    cat = stored.catalog(store.conn)
    rnd = random.Random(7)
    for i in range(60):
        new = validation.customer_input(name=f"Person {i}", region="CN")
        for f in cat:
            if rnd.random() < 0.7:
                new.fields.append((f.id, cat.parse(f, rnd.choice(POOL[f.key]))))
        store.add(new)
    yield store, cat
    store.close()


def _holds(cat, cond, held) -> bool:  # type: ignore[no-untyped-def]
    """Plain Python meaning of one condition for one customer's {field id: stored}."""
    f = cat.get(cond.key)
    has = f.id in held
    if cond.op == "?":
        return has
    if cond.op == "!?":
        return not has
    if cond.op == "!=":
        return not (has and _holds(cat, where.Condition(cond.key, "=", cond.value, ""), held))
    if not has:
        return False
    value = held[f.id]
    if cond.op == "~":
        if f.type == "text":
            return cond.value.lower() in value.lower()
        labels = [f.choice_label(i) for i in (values.multi_ids(value) if f.type == "multichoice"
                                              else [value])]  # fmt: skip
        return any(cond.value.casefold() in label.casefold() for label in labels)
    wanted = cat.parse(f, cond.value)
    if f.type == "multichoice":
        return set(values.multi_ids(wanted)) <= set(values.multi_ids(value))
    if f.type == "choice":
        value, wanted = f.choice_order(value), f.choice_order(wanted)
    ops = {"=": value == wanted, "<": value < wanted, "<=": value <= wanted,
           ">": value > wanted, ">=": value >= wanted}  # fmt: skip
    return ops[cond.op]


def _condition(key: str, kind: str):  # type: ignore[no-untyped-def]
    ops = ["=", "!=", "?", "!?"]
    if kind in ("number", "money", "date", "choice"):
        ops += ["<", "<=", ">", ">="]
    if kind in ("text", "choice", "multichoice"):
        ops.append("~")
    needles = {"text": ["douyin", "抖音", "书", "zz"], "choice": ["卡", "bronze", "x"],
               "multichoice": ["茶", "juice", "啡"]}  # fmt: skip

    def build(op: str, value: str, needle: str) -> str:
        if op == "?":
            return f"{key}?"
        if op == "!?":
            return f"!{key}?"
        return f"{key}{op}{needle if op == '~' else value}"

    return st.builds(build, st.sampled_from(ops), st.sampled_from(POOL[key]),
                     st.sampled_from(needles.get(kind, ["x"])))  # fmt: skip


_CONDITION = st.one_of(*(_condition(k, t) for k, t, _ in DECLARED))


_SORTS = ["rank", "field:points", "-field:expires", "field:tier", "name"]
_FIXTURE = [HealthCheck.function_scoped_fixture]


@settings(max_examples=examples(100), deadline=None, suppress_health_check=_FIXTURE)
@given(conds=st.lists(_CONDITION, min_size=1, max_size=3), sort=st.sampled_from(_SORTS))
def test_where_finds_exactly_what_the_conditions_mean(valued, conds, sort) -> None:
    from custinfo import search
    from custinfo.store.fields import values_of

    store, cat = valued
    everyone = [r[0] for r in store.conn.execute("SELECT id FROM customers ORDER BY id")]
    held = values_of(store.conn, everyone)
    parsed = [where.parse(c) for c in conds]
    expected = [i for i in everyone if all(_holds(cat, c, held.get(i, {})) for c in parsed)]
    got = search.find_ids(store, search.Query(where=conds, sort=sort), "CN")
    assert sorted(got) == expected
    assert search.count(store, search.Query(where=conds), "CN") == len(expected)
    if sort.startswith(("field:", "-field:")):
        f = cat.get(sort.partition(":")[2])
        key = [held.get(i, {}).get(f.id) for i in got]
        present = [k for k in key if k is not None]
        assert key == present + [None] * (len(key) - len(present))  # no value: last
        assert present == sorted(present, reverse=sort.startswith("-"))
    first = search.find_ids(store, search.Query(where=conds, limit=5), "CN")
    assert first == expected[:5]  # no text: in id order, the first page stops early


def test_split_counts_customers_per_choice(valued) -> None:  # type: ignore[no-untyped-def]
    from custinfo.store.fields import split, values_of

    store, cat = valued
    everyone = [r[0] for r in store.conn.execute("SELECT id FROM customers ORDER BY id")]
    held = values_of(store.conn, everyone)
    for key in ("tier", "pref", "vip"):
        f = cat.by_key[key]
        expected: dict[str, int] = {}
        for values_ in held.values():
            if f.id in values_:
                for label in values.json_text(cat.to_json(f, values_[f.id])).split(";"):
                    expected[label] = expected.get(label, 0) + 1
        got = split(store.conn, f)
        assert {k: v for k, v in got if v} == expected
        half = everyone[::2]
        part = split(store.conn, f, half)
        assert sum(n for _, n in part) == sum(
            len(values.json_text(cat.to_json(f, held[i][f.id])).split(";"))
            for i in half if f.id in held.get(i, {})
        )  # fmt: skip


def test_where_errors_name_the_condition(valued) -> None:  # type: ignore[no-untyped-def]
    from custinfo import search

    store, _ = valued
    for cond, message in (
        ("nosuch=1", "unknown field 'nosuch' in --where 'nosuch=1'"),
        ("tier=铜卡", "--where 'tier=铜卡': field tier: '铜卡' is not one of"),
        ("points~1", "~ applies to text, choice and multichoice fields"),
        ("memo<x", "applies to number, money, date and choice fields"),
        ("expires>2027-13-01", "is not a date as YYYY-MM-DD"),
    ):
        with pytest.raises(UsageError, match=message.replace("(", r"\(")):
            search.find_ids(store, search.Query(where=[cond]), "CN")
    with pytest.raises(UsageError, match="multichoice field cannot be sorted"):
        search.find_ids(store, search.Query(sort="field:pref"), "CN")


def test_where_sql_is_indexed_and_parameterised(valued) -> None:  # type: ignore[no-untyped-def]
    from custinfo.search.plan import make_plan

    store, _ = valued
    sneaky = "memo=x' OR 1=1 --"
    plan = make_plan(store.conn, _query(where=["tier=金卡", "points>=1000", sneaky]), "CN")
    sql, params = plan.select("rank", 50)
    assert "金卡" not in sql and "OR 1=1" not in sql and "x' OR 1=1 --" in params
    detail = " ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "field_values_by_value" in detail  # the choice drives through the value index
    assert "TEMP B-TREE" not in detail  # in customer order: the first page needs no sort


def _query(**kw):  # type: ignore[no-untyped-def]
    from custinfo.search import Query

    return Query(**kw)


# -- export → import round trip ---------------------------------------------------------------
_VALUE = {
    "text": _text.filter(lambda s: len(s) < 200),
    "number": RAW["number"],
    "money": RAW["money"],
    "date": RAW["date"],
    "choice": RAW["choice"],
    "multichoice": RAW["multichoice"],
    "bool": RAW["bool"],
}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Two databases with the same fields (declared in another order in the second)."""
    from custinfo.fields import manage
    from custinfo.store import Store

    base = tmp_path_factory.mktemp("pair")
    stores = []
    for name, order in (("a.db", DECLARED), ("b.db", DECLARED[::-1])):
        store = Store.create(Path(base / name), PASSPHRASE.encode(), region="CN")
        for key, kind, choices in order:
            manage.add(store, key, kind, choices=choices or None)
        stores.append(store)
    yield stores
    for store in stores:
        store.close()


@settings(max_examples=examples(100), deadline=None, suppress_health_check=_FIXTURE)
@given(data=st.data(), fmt=st.sampled_from(["csv", "csv-excel", "json", "ndjson"]))
def test_an_export_imports_back_losslessly_into_a_database_with_the_same_fields(
    pair, data, fmt
) -> None:  # fmt: skip
    from custinfo import validation
    from custinfo.export import export
    from custinfo.importer import ImportOptions, run_import
    from custinfo.store.fields import catalog, public_values

    source, target = pair
    cat = catalog(source.conn)
    keys = st.dictionaries(st.sampled_from([f.key for f in cat]), st.none(), max_size=7)
    people = data.draw(st.lists(keys, min_size=1, max_size=4))
    ids = []
    for wanted in people:
        new = validation.customer_input(name="往返 Round Trip", region="CN")
        for key in wanted:
            f = cat.by_key[key]
            raw = data.draw(_VALUE[f.type])
            try:
                new.fields.append((f.id, cat.parse(f, raw)))
            except ValidationError:
                continue
        ids.append(source.add(new, allow_duplicate=True))
    out = io.StringIO()
    export(source, out, fmt.split("-")[0], ids=ids, excel=fmt.endswith("excel"))
    summary = run_import(
        target, io.BytesIO(out.getvalue().encode("utf-8")),
        ImportOptions(fmt=fmt.split("-")[0], on_duplicate="add", workers=0),
    )  # fmt: skip
    assert summary.committed and summary.imported == len(ids), summary.problems
    top = target.conn.execute("SELECT max(id) FROM customers").fetchone()[0]
    new_ids = list(range(top - len(ids) + 1, top + 1))
    before = public_values(source.conn, ids)
    after = public_values(target.conn, new_ids)
    assert [before.get(i, {}) for i in ids] == [after.get(i, {}) for i in new_ids]
    if fmt.startswith("csv"):
        header = out.getvalue().lstrip("\ufeff").splitlines()[0].split(",")
        assert header[-len(cat) :] == [f"field:{f.key}" for f in cat]


def test_numbers_keep_their_value_through_float_storage() -> None:
    for text in ("0.1", "12.5", "-3.25", "0.0000001", "123456789.123456", "99999999999999.9"):
        stored = values.parse(NUMBER, text)
        assert Decimal(values.to_text(NUMBER, stored)) == Decimal(text)
