"""Tests for the deterministic synthetic-customer generator."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import phonenumbers
import pytest
from email_validator import validate_email

from custinfo.cli.app import COMMANDS
from custinfo.demo.synth import CORRUPTIONS, SynthCustomer, generate, to_fields
from custinfo.demo.synth.phones import _fmt_phone
from custinfo.demo.synth.pools import _pools

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def big() -> list[SynthCustomer]:
    return list(generate(5000, seed=42))


def _e164(raw: str) -> str:
    num = phonenumbers.parse(raw, "CN")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def _originals(recs: list[SynthCustomer]) -> dict[int, SynthCustomer]:
    first: dict[int, SynthCustomer] = {}
    for c in recs:
        first.setdefault(c.cluster, c)
    return first


def test_deterministic_same_seed() -> None:
    a = list(generate(500, seed=7))
    b = list(generate(500, seed=7))
    assert a == b
    assert a != list(generate(500, seed=8))


def test_deterministic_across_processes() -> None:
    code = (
        "import sys\n"
        "from custinfo.demo.synth import generate\n"
        "sys.stdout.write(repr(list(generate(300, seed=11))))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONHASHSEED": "12345"}
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert res.stdout == repr(list(generate(300, seed=11)))


def test_real_commands_do_not_import_the_generator() -> None:
    """Faker and the synthetic pools stay off the import path of the core and every command
    but `demo` (`custinfo.demo` itself imports the generator only when it runs)."""
    skip = ("custinfo.__main__", "custinfo.cli.cmd_demo", "custinfo.demo.synth")
    names = [
        ".".join(f.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        for f in sorted((SRC / "custinfo").rglob("*.py"))
    ]
    mods = [m for m, _ in COMMANDS.values() if m not in skip]
    mods = list(dict.fromkeys(mods + [m for m in names if not m.startswith(skip)]))
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('faker', 'custinfo.demo.synth'))))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "custinfo.demo" in mods and "custinfo.cli.cmd_find" in mods
    assert res.stdout.strip() == "[]"


@pytest.mark.parametrize("n", [0, 1, 2, 17, 1000])
def test_exact_count(n: int) -> None:
    assert sum(1 for _ in generate(n, seed=n)) == n


def test_cluster_ids_in_order_of_first_appearance(big: list[SynthCustomer]) -> None:
    seen: set[int] = set()
    nxt = 0
    for c in big:
        if c.cluster not in seen:
            assert c.cluster == nxt
            seen.add(c.cluster)
            nxt += 1
            assert c.corruption == []
        else:
            assert c.corruption, "a duplicate must record its corruptions"
            assert set(c.corruption) <= set(CORRUPTIONS)


def test_dup_share_and_cluster_sizes(big: list[SynthCustomer]) -> None:
    sizes = Counter(c.cluster for c in big)
    dups = len(big) - len(sizes)
    assert 0.12 <= dups / len(big) <= 0.18
    hist = Counter(sizes.values())
    assert max(hist) <= 4
    assert hist[2] > hist.get(3, 0) > 0
    # duplicates are spread through the output, not bunched at the end
    idx = [i for i, c in enumerate(big) if c.corruption]
    assert sum(i < len(big) // 2 for i in idx) > len(idx) // 3


def test_duplicates_follow_their_original(big: list[SynthCustomer]) -> None:
    first = _originals(big)
    for c in big:
        o = first[c.cluster]
        assert c.locale == o.locale


def test_no_dups_when_disabled() -> None:
    recs = list(generate(1000, seed=3, dup_share=0.0))
    assert len({c.cluster for c in recs}) == 1000
    assert all(not c.corruption for c in recs)


def test_phones_valid_and_unique_per_person(big: list[SynthCustomer]) -> None:
    owner: dict[str, int] = {}
    for c in big[:2000]:
        for raw in c.phones:
            num = phonenumbers.parse(raw, "CN")
            assert phonenumbers.is_valid_number(num), raw
    for c in big:
        for raw in c.phones:
            e = _e164(raw)
            assert owner.setdefault(e, c.cluster) == c.cluster, (raw, e)


def test_all_phone_patterns_and_styles_valid() -> None:
    pats = _pools().phones
    rng = random.Random(0)
    for pat in pats.values():
        for k in (0, 1, 2, 12345, 999_999):
            nsn = pat.nsn(k)
            e164s = set()
            for style in range(len(pat.style_cum)):
                raw = _fmt_phone(pat, nsn, style)
                num = phonenumbers.parse(raw, "CN")
                assert phonenumbers.is_valid_number(num), (raw, pat.kind)
                e164s.add(phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164))
            assert len(e164s) == 1, e164s
        # the whole number block is valid, not just its first few members
        for _ in range(300):
            raw = _fmt_phone(pat, pat.nsn(rng.randrange(pat.m)), 0)
            assert phonenumbers.is_valid_number(phonenumbers.parse(raw, "CN")), raw
        assert len({pat.nsn(k) for k in range(2000)}) == 2000


def test_emails_valid_and_unique_per_person(big: list[SynthCustomer]) -> None:
    for c in big[:2000]:
        for e in c.emails:
            assert e == e.strip() or c.corruption  # spaces only in corrupted copies
            validate_email(e.strip(), check_deliverability=False)
    owner: dict[str, int] = {}
    for c in big:
        for e in c.emails:
            key = e.strip().casefold()
            assert owner.setdefault(key, c.cluster) == c.cluster, e


def test_namesakes_are_different_people(big: list[SynthCustomer]) -> None:
    first = _originals(big)
    by_name: dict[str, list[SynthCustomer]] = defaultdict(list)
    for o in first.values():
        by_name[o.name].append(o)
    shared = {k: v for k, v in by_name.items() if len(v) > 1}
    assert len(shared) >= 50  # injected namesakes + naturally common names (张伟, 王芳 ...)
    for group in shared.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                assert a.cluster != b.cluster
                assert not {_e164(p) for p in a.phones} & {_e164(p) for p in b.phones}
                assert not {e.casefold() for e in a.emails} & {e.casefold() for e in b.emails}
    zh = sum(len(v) for k, v in shared.items() if not k.isascii())
    assert zh > 0


def test_duplicates_keep_enough_evidence(big: list[SynthCustomer]) -> None:
    first = _originals(big)

    def facts(a: SynthCustomer, b: SynthCustomer) -> int:
        ev = 0
        ev += bool({_e164(p) for p in a.phones} & {_e164(p) for p in b.phones})
        ev += bool(
            {e.strip().casefold() for e in a.emails} & {e.strip().casefold() for e in b.emails}
        )
        ev += a.birthday is not None and a.birthday == b.birthday
        ev += bool(a.address and b.address and "moved_address" not in b.corruption)
        return ev

    for c in big:
        o = first[c.cluster]
        if c is o:
            continue
        assert facts(o, c) >= min(2, facts(o, o)), (o, c)


def test_corruption_variety(big: list[SynthCustomer]) -> None:
    kinds = Counter(k for c in big for k in c.corruption)
    for k in (
        "typo_name",
        "swap_name_order",
        "pinyin_name",
        "case_name",
        "phone_format",
        "email_case",
        "drop_phone",
        "drop_email",
        "moved_address",
        "address_abbrev",
    ):
        assert kinds[k] > 0, k
    pinyin = [c for c in big if "pinyin_name" in c.corruption]
    assert all(re.fullmatch(r"[A-Za-z' ]+", c.name) for c in pinyin)


def test_sparse_records() -> None:
    recs = list(generate(600, seed=5, dup_share=0.0, sparse_share=1.0))
    for c in recs:
        assert c.phones == [] and c.emails == []
        assert c.name and c.address and c.birthday
    assert any(c.name.isascii() for c in recs) and any(not c.name.isascii() for c in recs)


def test_field_shapes_and_mix(big: list[SynthCustomer]) -> None:
    first = list(_originals(big).values())
    loc = Counter(c.locale for c in first)
    assert 0.54 <= loc["zh_CN"] / len(first) <= 0.66
    assert 0.20 <= loc["en_US"] / len(first) <= 0.30
    bdays = [c.birthday for c in first if c.birthday]
    assert 0.6 <= len(bdays) / len(first) <= 0.8
    assert all(re.fullmatch(r"(19[5-9]\d|200[0-5])-\d\d-\d\d", b) for b in bdays)
    no_contact = sum(1 for c in first if not c.phones and not c.emails)
    assert no_contact / len(first) >= 0.04
    for c in big:
        assert c.name.strip()
        assert len(c.tags) <= 3 and len(c.notes) <= 3
        assert len(c.phones) <= 2 and len(c.emails) <= 2


def test_to_fields() -> None:
    c = next(iter(generate(1, seed=1)))
    f = to_fields(c)
    assert set(f) == {
        "name",
        "phones",
        "emails",
        "company",
        "address",
        "city",
        "birthday",
        "tags",
        "notes",
    }
    f["phones"].append("x")
    assert "x" not in c.phones


@pytest.mark.parametrize(
    "kw", [{"dup_share": 1.0}, {"namesake_share": -0.1}, {"dup_share": 0.6, "namesake_share": 0.5}]
)
def test_bad_arguments(kw: dict) -> None:
    with pytest.raises(ValueError):
        generate(10, **kw)
    with pytest.raises(ValueError):
        generate(-1)
