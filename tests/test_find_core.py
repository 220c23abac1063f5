"""The search core: Query, the index hooks, secure deletion, migration of old databases."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custinfo import validation
from custinfo.search import Query, count, email_match, find_ids, is_phone_shaped, phone_match
from custinfo.search import index as search_index
from custinfo.store import Store


def add(store, name: str, **fields) -> int:  # type: ignore[no-untyped-def]
    return store.add(
        validation.customer_input(name=name, region="CN", **fields), allow_duplicate=True
    )


def ids(store, **query) -> list[int]:  # type: ignore[no-untyped-def]
    return find_ids(store, Query(**query), "CN")


def test_query_is_empty():
    assert Query().is_empty()
    assert Query(text="  ", tags_all=[]).is_empty()
    assert not Query(tags_not=["x"]).is_empty()
    assert not Query(added_since="2024-01-01").is_empty()


def test_classification_helpers():
    assert is_phone_shaped("+86 (138) 0013-8000") and is_phone_shaped("8000")
    assert not is_phone_shaped("123") and not is_phone_shaped("No. 8000")
    assert phone_match("138 0013 8000", "CN") == ("exact", "+8613800138000")
    assert phone_match("尾号 8000", "CN") == ("suffix", "8000")
    assert email_match("@Example.COM") == ("suffix", "@example.com")
    assert email_match("A@B.cn") == ("exact", "a@b.cn")
    assert email_match("wang@") == ("prefix", "wang@")


def test_tokens_cover_two_char_runs_and_trigrams():
    doc = search_index.tokens_of("张伟明", "ab", "x", "smith")
    assert doc.split() == ["张伟明", "伟明", "明", "ab", "b", "x", "smi", "mit", "ith", "th", "h"]


def test_find_and_count_agree_with_limit(store):
    for i in range(7):
        add(store, f"Li Lei {i}", city="上海")
    assert count(store, Query(text="li lei"), "CN") == 7
    assert len(ids(store, text="li lei", limit=3)) == 3
    assert ids(store, text="li lei", limit=3) == ids(store, text="li lei")[:3]


def test_single_character_queries(store):
    a = add(store, "王五")
    add(store, "赵六")
    assert ids(store, text="五") == [a]
    assert ids(store, text="王") == [a]


def test_punctuation_inside_words(store):
    a = add(store, "O'Brien", address="No.12 Baker St.")
    assert ids(store, text="o'brien") == [a]
    assert ids(store, text="no.12") == [a]
    assert ids(store, text="no.13") == []


def test_removed_customer_leaves_no_token_in_fts_segments(store):
    """Privacy: after removal the unique token is neither matchable nor stored."""
    keep = add(store, "Keeper Person", notes=["ordinary words"])
    gone = add(store, "Zyxwvut Qqqjjj", notes=["secretword xqzptl"])
    conn = store.conn
    assert ids(store, text="xqzptl") == [gone]
    with store.write("test") as w:
        w.erase([gone])
    assert ids(store, text="xqzptl") == [] and ids(store, text="qqqjjj") == []
    assert conn.execute(
        "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'xqz'"
    ).fetchone() == (0,)
    blobs = b"".join(bytes(r[0]) for r in conn.execute("SELECT block FROM search_fts_data"))
    assert b"xqz" not in blobs and b"qjj" not in blobs
    for table in ("search_docs", "search_phones", "search_emails"):
        assert conn.execute(
            f"SELECT count(*) FROM {table} WHERE customer_id = ?", (gone,)
        ).fetchone() == (0,)
    assert ids(store, text="ordinary") == [keep]
    assert conn.execute("INSERT INTO search_fts(search_fts) VALUES('integrity-check')")


def test_fts_secure_delete_is_on(store):
    row = store.conn.execute("SELECT v FROM search_fts_config WHERE k = 'secure-delete'")
    assert row.fetchone() == (1,)


def test_note_and_bulk_end_keep_index_in_step(store):
    a = add(store, "Note Taker")
    store.add_note(a, "discussed the 紫禁城 tour")
    assert ids(store, text="紫禁") == [a]
    from custinfo.demo import load_synthetic

    added = load_synthetic(store, 50)
    assert count(store, Query(), "CN") == added + 1
    assert store.conn.execute("SELECT count(*) FROM search_docs").fetchone() == (added + 1,)


def test_old_database_is_indexed_by_the_migration(env):
    """A v1 database (no search tables) becomes searchable when first opened."""
    from custinfo.store.db import open_database
    from tests.test_migrations import KEY, database_at, insert_sample

    old = database_at(env, 1)
    insert_sample(old)  # customer 7: 张伟, +8613800138000, Z@example.com
    old.close()
    store = Store(open_database(env, KEY))
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] >= 2
        assert ids(store, text="张伟") == [7]
        assert ids(store, phone="8000") == [7]
        assert ids(store, email="@example.com") == [7]
    finally:
        store.close()


NAMES = st.text(
    alphabet=st.sampled_from(
        list(string.ascii_letters + string.digits + " -'.")
        + list("张王李赵伟明小红上海市区路号éüßÅ")
    ),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=NAMES, data=st.data())
def test_any_substring_of_a_stored_name_finds_it(store, name, data):
    """Any substring (without spaces) of a stored name, in any case, finds that customer."""
    cid = add(store, name)
    stored = store.get(cid).name
    start = data.draw(st.integers(0, len(stored) - 1))
    end = data.draw(st.integers(start + 1, len(stored)))
    fragment = stored[start:end].strip()
    if not fragment or is_phone_shaped(fragment) or "@" in fragment:
        return
    if data.draw(st.booleans()):
        fragment = fragment.upper()
    assert cid in ids(store, text=fragment)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(word=st.text(alphabet="abcxyz张伟", min_size=3, max_size=6))
def test_found_customers_really_contain_the_word(store, word):
    """No false positives from the trigram pre-filter: every hit contains the word."""
    for name in ("abcxyz", "xyzabc", "张伟abc", "cab张", "zyxcba"):
        if not store.conn.execute("SELECT 1 FROM customers WHERE name = ?", (name,)).fetchone():
            add(store, name)
    for cid in ids(store, text=word):
        assert word.casefold() in store.get(cid).name.casefold()


@pytest.mark.parametrize("sort", ["rank", "name", "created", "updated"])
def test_sorts_return_the_same_set(store, sort):
    for name in ("Bob", "alice", "Carol"):
        add(store, name)
    got = ids(store, sort=sort)
    assert sorted(got) == [1, 2, 3]
    if sort == "name":
        assert got == [2, 1, 3]  # alice, Bob, Carol: case-insensitive


def test_count_matches_find_for_exact_and_verified_words(store):
    from custinfo import tags

    a = add(store, "上海人", city="上海")
    b = add(store, "Shanghai Li", address="上海市 路")
    add(store, "北京人", city="北京", notes=["去过上海"])
    tags.add(store, "skip", [b])
    for query in (
        Query(text="上海"),
        Query(text="上海", tags_not=["skip"]),
        Query(text="上海", added_since="2000-01-01"),
        Query(text="上海 人"),
        Query(text="shang"),
        Query(text="上海", city="上海"),
    ):
        assert count(store, query, "CN") == len(find_ids(store, query, "CN")), query
    assert count(store, Query(text="上海", tags_not=["skip"]), "CN") == 2
    assert ids(store, text="上海", city="上海") == [a]
