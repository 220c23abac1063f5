"""The ranked streaming of find (`search.rank`) against the plain path (one sorted statement
over every match): same ids, same order, for any query, limit and path choice."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custinfo import validation
from custinfo.search import Query, count, find_ids, find_ids_plain, iter_ids, rank
from custinfo.search.plan import make_plan
from custinfo.store import Store
from tests.conftest import PASSPHRASE

SURNAMES = ["王", "张", "李", "Li", "Wang", "Son", "Anderson", "上海"]
GIVEN = ["小明", "伟", "丹", "Lei", "Anna", "", "王", "son"]
CITIES = ["上海", "北京", "上海市", "Boston", None]
DOMAINS = ["qq.com", "163.com", "example.com"]
WORDS = ["王", "王小", "上海", "li", "lei", "son", "li lei", "明", "丹", "上海 王", "wang", "an",
         "王小明", "x-y", "boston"]  # fmt: skip


@pytest.fixture(scope="module")
def shop(tmp_path_factory):  # type: ignore[no-untyped-def]
    """400 customers whose names, cities, emails and phones repeat a lot (so every tier, a
    dense domain and a sparse word all occur); one store for the module."""
    rng = random.Random(19)
    path = tmp_path_factory.mktemp("rank") / "rank.db"
    store = Store.create(path, PASSPHRASE.encode(), region="CN")
    with store.write("test") as w:
        for i in range(400):
            name = (rng.choice(SURNAMES) + " " * rng.randint(0, 1) + rng.choice(GIVEN)).strip()
            domain = rng.choice(DOMAINS)
            emails = [f"p{i}@{domain}"] + ([f"q{i}@{domain}"] if i % 7 == 0 else [])
            fields = {
                "city": rng.choice(CITIES),
                "emails": emails if i % 3 else [],
                "phones": [f"+86 138 0013 {rng.randint(0, 30):04d}"] if i % 2 else [],
                "tags": ["vip"] if i % 5 == 0 else [],
                "notes": ["去过上海 met wang"] if i % 11 == 0 else [],
            }
            w.add_customer(validation.customer_input(name=name, region="CN", **fields), source="t")
    yield store
    store.close()


queries = st.builds(
    Query,
    text=st.one_of(st.none(), st.sampled_from(WORDS)),
    email=st.one_of(st.none(), st.sampled_from(["@qq.com", "@163.com", "p1", "qq.com"])),
    phone=st.one_of(st.none(), st.sampled_from(["0013 0007", "0001"])),
    tags_all=st.sampled_from([[], ["vip"]]),
    tags_not=st.sampled_from([[], ["vip"]]),
    city=st.one_of(st.none(), st.sampled_from(["上海", "boston"])),
    limit=st.one_of(st.none(), st.integers(0, 60)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=queries,
    chunk=st.sampled_from([4, 32, 1024]),
    dense=st.sampled_from([3, 2000]),
    walk_more=st.sampled_from([0, 8]),
)
def test_streaming_equals_the_plain_sorted_path(shop, q, chunk, dense, walk_more):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rank, "CHUNK", chunk)
        mp.setattr(rank, "SPARSE", 3)
        mp.setattr(rank, "WALK_MORE", walk_more)
        mp.setattr(rank, "DENSE", dense)
        streamed = find_ids(shop, q, "CN")
        assert streamed == find_ids_plain(shop, q, "CN"), q
        assert len(streamed) == len(set(streamed))
        limit, q.limit = q.limit, None
        total = count(shop, q, "CN")
        assert total == len(find_ids_plain(shop, q, "CN"))
        for cap in (1, 5, 1000):
            assert count(shop, q, "CN", cap=cap) == min(total, cap)
        if limit:
            assert list(iter_ids(shop, q, "CN"))[:limit] == streamed


def test_tiers_exact_prefix_then_the_rest_in_id_order(shop):
    ids = find_ids(shop, Query(text="王"), "CN")
    folded = [shop.get(i).name.casefold() for i in ids]
    exact = [i for i, n in zip(ids, folded, strict=True) if n == "王"]
    prefix = [i for i, n in zip(ids, folded, strict=True) if n.startswith("王") and n != "王"]
    assert exact and prefix
    assert ids[: len(exact)] == sorted(exact)  # the exact name first, in id order ...
    tier1 = folded[len(exact) : len(exact) + len(prefix)]
    assert ids[len(exact) : len(exact) + len(prefix)] == [i for i in ids if i in prefix]
    assert tier1 == sorted(tier1)  # ... then the name prefix, in name order ...
    rest = ids[len(exact) + len(prefix) :]
    assert rest and rest == sorted(rest)  # ... then the rest in id order


def test_a_dense_domain_is_walked_and_a_sparse_word_uses_the_index(shop):
    plan = make_plan(shop.conn, Query(email="@qq.com"), "CN")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rank, "DENSE", 3)
        assert rank.dense(shop.conn, plan).driver.kind == "walk"
        mp.setattr(rank, "DENSE", 10_000)
        assert rank.dense(shop.conn, plan).driver.kind == "in"


def test_the_stream_is_lazy(shop):
    """The first ids come before the rest are read: a generator, not a list."""
    stream = iter_ids(shop, Query(text="上海"), "CN")
    first = next(stream)
    assert first == find_ids(shop, Query(text="上海", limit=1), "CN")[0]


# -- the CLI: a pipe streams, a terminal pages ---------------------------------------------
CLI_QUERIES = [
    (["上海"], Query(text="上海")),
    (["--email", "@qq.com"], Query(email="@qq.com")),
    (["li", "--tag", "vip"], Query(text="li", tags_all=["vip"])),
    ([], Query()),
]


@pytest.fixture
def shop_cli(shop, monkeypatch):  # type: ignore[no-untyped-def]
    from tests.conftest import ENV_NAMES, CliRunner

    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CUSTINFO_DB", str(shop.path))
    monkeypatch.setenv("CUSTINFO_PASSPHRASE", PASSPHRASE)
    return CliRunner(shop.path)


@pytest.mark.parametrize(("args", "query"), CLI_QUERIES)
def test_pipe_csv_streams_the_plain_rows_and_equals_export(shop, shop_cli, args, query):
    """`find Q` in a pipe: byte for byte the CSV `Output.customers` makes from the plain
    path's records, and the same bytes as `export Q`."""
    import io

    from custinfo.cli.output import Format, Output

    plain_ids = find_ids_plain(shop, query, "CN")
    plain = io.StringIO()
    Output(plain).customers(shop.get_many(plain_ids), Format.csv)
    found = shop_cli.ok("find", *args)
    assert found == plain.getvalue()
    if args:
        assert shop_cli.ok("export", *args) == found


def test_terminal_counts_stop_at_more_than_n(shop, shop_cli, monkeypatch):
    from custinfo.cli import cmd_find

    more = len(find_ids_plain(shop, Query(text="王"), "CN")) - 3
    monkeypatch.setattr(cmd_find, "PAGE", 3)
    monkeypatch.setattr(cmd_find, "MORE", more - 1)
    capped = shop_cli("find", "王", "--format", "ids", tty=True)
    assert len(capped.stdout.split()) == 3
    assert f"more than {more - 1:,} more matched (showing the first 3)" in capped.stderr
    monkeypatch.setattr(cmd_find, "MORE", more)
    exact = shop_cli("find", "王", "--format", "ids", tty=True)
    assert f"\n{more:,} more matched" in "\n" + exact.stderr and "more than" not in exact.stderr
