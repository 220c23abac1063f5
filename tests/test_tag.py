"""tag add | remove | list | rename at the CLI and in the core."""

from __future__ import annotations

import json

import pytest

from custinfo import tags, validation
from custinfo.store import audit


@pytest.fixture
def three(cli, db):  # type: ignore[no-untyped-def]
    return [int(cli.ok("add", "--name", n).strip()) for n in ("甲", "乙", "丙")]


def tag_counts(cli) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {r["tag"]: r["count"] for r in json.loads(cli.ok("tag", "list", "--format", "json"))}


def tagged(cli, tag: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(x) for x in cli.ok("find", "--tag", tag, "--format", "ids").split()]


def test_add_from_arguments_and_stdin(cli, three):
    a, b, c = three
    cli.ok("tag", "add", "VIP", str(a))
    cli.ok("tag", "add", "vip", "-", input=f"{b}\n\n  {c}  \n")
    assert tagged(cli, "Vip") == [a, b, c]
    assert tag_counts(cli) == {"VIP": 3}  # the first spelling is kept
    result = cli("tag", "add", "VIP", input=f"{a}\n")
    assert result.code == 0 and "already had it" in result.stderr


def test_unknown_ids_exit_3_and_nothing_changes(cli, three):
    a, _, _ = three
    result = cli("tag", "add", "wholesale", input=f"{a}\n999\n1000\n")
    assert result.code == 3
    assert "999" in result.stderr and "1000" in result.stderr and "nothing changed" in result.stderr
    assert tagged(cli, "wholesale") == [] and tag_counts(cli) == {}


def test_non_integer_ids_exit_2(cli, three):
    result = cli("tag", "add", "x", input="1\nabc\n")
    assert result.code == 2 and "line 2" in result.stderr
    assert cli("tag", "add", "x", "1.5").code == 2
    assert tag_counts(cli) == {}


def test_no_ids_on_empty_stdin_is_usage_error(cli, three):
    assert cli("tag", "add", "x", input="").code == 2


@pytest.mark.parametrize("bad", ["a,b", "tab\there", "", "   "])
def test_invalid_tags_exit_2(cli, three, bad):
    assert cli("tag", "add", bad, str(three[0])).code == 2


def test_unicode_tags(cli, three):
    cli.ok("tag", "add", "潜在客户 🌟", *map(str, three))
    assert tag_counts(cli) == {"潜在客户 🌟": 3}


def test_remove(cli, three):
    a, b, c = three
    cli.ok("tag", "add", "VIP", str(a), str(b))
    cli.ok("tag", "remove", "vip", input=f"{a}\n{c}\n")
    assert tagged(cli, "VIP") == [b]
    cli.ok("tag", "remove", "VIP", str(b))
    assert tag_counts(cli) == {}  # a tag left on nobody disappears
    assert cli("tag", "remove", "VIP", str(b)).code == 0  # idempotent
    assert cli("tag", "remove", "VIP", "12345").code == 3


def test_list_sorted_and_formats(cli, three):
    a, b, c = three
    cli.ok("tag", "add", "beta", str(a))
    cli.ok("tag", "add", "Alpha", str(a), str(b), str(c))
    assert cli.ok("tag", "list") == "tag,count\nAlpha,3\nbeta,1\n"
    table = cli.ok("tag", "list", tty=True)
    assert "Alpha" in table and "beta" in table


def test_rename_and_merge(cli, three):
    a, b, c = three
    cli.ok("tag", "add", "vip", str(a), str(b))
    cli.ok("tag", "add", "Important", str(b), str(c))
    cli.ok("tag", "rename", "VIP", "Vip")  # change of case
    assert tag_counts(cli) == {"Important": 2, "Vip": 2}
    cli.ok("tag", "rename", "vip", "IMPORTANT")  # merge: keeps the existing spelling
    assert tag_counts(cli) == {"Important": 3}
    assert tagged(cli, "important") == [a, b, c]
    assert cli("tag", "rename", "nosuch", "x").code == 3
    assert cli("tag", "rename", "important", "a,b").code == 2


def test_mutations_are_audited_without_values(store):
    cid = store.add(validation.customer_input(name="审计", region="CN"))
    tags.add(store, "Secret Label", [cid])
    tags.rename(store, "secret label", "Other")
    tags.remove(store, "other", [cid])
    entries = audit.entries_for(store.conn, [cid])
    assert [e["command"] for e in entries] == ["add", "tag add", "tag rename", "tag remove"]
    assert all(e["fields"] == ["tags"] for e in entries[1:])
    assert not any("Secret" in (e["detail"] or "") for e in entries)


def test_core_add_is_one_transaction(store):
    from custinfo.errors import NotFoundError

    cid = store.add(validation.customer_input(name="一", region="CN"))
    with pytest.raises(NotFoundError):
        tags.add(store, "x", [cid, cid + 100])
    assert tags.counts(store) == []
    change = tags.add(store, "x", [cid, cid])
    assert (change.tag, change.changed, change.unchanged) == ("x", 1, 0)
