"""The learned model: EM, name changes in FEBRL-like data, the namesake and family vetoes,
the model cached in the database, --explain and --model."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


def _words(text: str) -> list[str]:
    return text.split()


GIVEN = _words(
    "isabella olivia charlotte amelia mia harper evelyn abigail emily ella scarlett grace "
    "chloe zoe lily hannah jack oliver william noah thomas james lucas henry liam ethan "
    "samuel joshua daniel harrison lachlan riley cooper archer hunter mason"
)
SURNAMES = _words(
    "vincent nguyen smith jones williams brown wilson taylor johnson white martin anderson "
    "thompson harris walker ryan robinson kelly king campbell clarke mitchell young lee "
    "green wood jackson hall wright hughes edwards turner hill scott murphy baker morris "
    "stewart watson cooper ward bell reid bailey gray kennedy ross price evans russell "
    "morgan sondergeld lombardi trevorrow harrington purdon waller bishop julius"
)
STREETS = _words(
    "tullaroop giblin goldfinch maltby ramsay dumas blacket neworra yerralee florey "
    "forbes milne sturdee oliver sheaffe mansfield keenan baseby duffy morgan cullen "
    "arabanoo burnie maclaurin dixon nicklin mahon appel mcinnes creston"
)
KINDS = ("street", "place", "circuit", "crescent", "road", "drive")
SUBURBS = _words(
    "st james bittern canterbury coolaroo garbutt worongary carlsruhe kellerberrin "
    "toowoomba scarborough byford mirrabooka altona hahndorf mentone casino mayfield "
    "moranbah bayswater nightcliff kirwan kaleen oatlands burnside craigmore larnok"
)
STATES = ("nsw", "vic", "qld", "sa", "wa", "tas", "act")


def _typo(r: Random, word: str) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = r.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def febrl_like(people: int = 1000, seed: int = 3) -> tuple[list, dict[int, int], set]:
    """FEBRL-style customers (names, addresses, suburbs, birthdays; no phones or emails).

    A quarter of the people get a second record with one corruption: a surname changed on
    marriage, a missing given name, a birthday typo, a missing house number, a name typo
    or a suburb typo. Returns (customers, true cluster by id, ids of name-change pairs).
    """
    from custinfo.models import Customer

    r = Random(seed)
    customers, truth, changes = [], {}, set()

    def add(cluster: int, name: str, address: str, city: str, birthday: str) -> int:
        cid = len(customers) + 1
        customers.append(Customer(id=cid, name=name, phones=[], emails=[], company=None,
                                  address=address, city=city, birthday=birthday))  # fmt: skip
        truth[cid] = cluster
        return cid

    for person in range(people):
        given, surname = r.choice(GIVEN), r.choice(SURNAMES)
        number, street = r.randint(1, 150), f"{r.choice(STREETS)} {r.choice(KINDS)}"
        state, postcode = r.choice(STATES), str(r.randint(2000, 7999))
        city = r.choice(SUBURBS)
        birthday = f"{r.randint(1925, 2004)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        first = add(person, f"{given} {surname}", f"{number} {street}, {state}, {postcode}",
                    city, birthday)  # fmt: skip
        if r.random() >= 0.25:
            continue
        kind = r.choice(("marriage", "given", "birthday", "number", "typo", "suburb"))
        name, addr, day = f"{given} {surname}", f"{number} {street}, {state}, {postcode}", birthday
        if kind == "marriage":
            name = f"{given} {r.choice([s for s in SURNAMES if s != surname])}"
        elif kind == "given":
            name = surname
        elif kind == "birthday":
            day = birthday[:-1] + str((int(birthday[-1]) + 1) % 10)
            day = day if day[-2:] != "00" else birthday[:-2] + "11"
        elif kind == "number":
            addr = f"{street}, {state}, {postcode}"
        elif kind == "typo":
            name = f"{given} {_typo(r, surname)}"
        else:
            city = _typo(r, city)
        second = add(person, name, addr, city, day)
        if kind == "marriage":
            changes.add((first, second))
    return customers, truth, changes


def _pair_f1(groups, truth) -> float:  # type: ignore[no-untyped-def]
    clusters = defaultdict(int)
    for cl in truth.values():
        clusters[cl] += 1
    real = sum(k * (k - 1) // 2 for k in clusters.values())
    found = tp = 0
    for g in groups:
        found += len(g.ids) * (len(g.ids) - 1) // 2
        tp += sum(k * (k - 1) // 2 for k in Counter(truth[i] for i in g.ids).values())
    p, rc = tp / max(found, 1), tp / max(real, 1)
    return 2 * p * rc / (p + rc) if p + rc else 0.0


@pytest.fixture(scope="module")
def febrl_run():  # type: ignore[no-untyped-def]
    from custinfo.dedupe import runner, table

    customers, truth, changes = febrl_like()
    return runner.Run(table.from_customers(customers), None, None), truth, changes


def test_fitted_model_learns_name_changes(febrl_run):
    run, truth, changes = febrl_run
    assert run.model.fitted and len(run.t) >= 1000
    groups = run.groups(0.5, None, True)
    assert _pair_f1(groups, truth) >= 0.95
    by_pair = {tuple(g.ids): g for g in groups}
    found = [by_pair[p] for p in changes if p in by_pair]
    assert len(found) >= 0.9 * len(changes)
    assert all(any("surname differs" in r for r in g.reasons) for g in found)
    assert any(g.reasons[-1].endswith(": name change?") for g in found)
    # Learned from the data: another surname is evidence FOR a match here (the hand-set
    # weight is −3), though much weaker than the same surname.
    weights = run.model.weights()["name"]
    assert weights[5] > 0 and weights[1] > weights[5] + 2


def test_em_recovers_known_m():
    """Comparison vectors drawn from known m and u: EM gets m back (u given)."""
    from custinfo.dedupe import fit
    from custinfo.dedupe.compare import FIELDS, LEVELS

    rng = np.random.default_rng(1)
    true_m = {f: rng.dirichlet(np.ones(len(LEVELS[f]) - 1) * 2) for f in FIELDS}
    u = {f: rng.dirichlet(np.ones(len(LEVELS[f]) - 1) * 2) for f in FIELDS}
    for f in FIELDS:  # agreement is rare among different people
        u[f][0] = 1e-3
        u[f] /= u[f].sum()
    n_match, n_other = 20_000, 60_000
    cols = []
    for f in FIELDS:
        k = len(LEVELS[f]) - 1
        lv = np.r_[rng.choice(k, n_match, p=true_m[f]), rng.choice(k, n_other, p=u[f])] + 1
        cols.append(lv)
    levels = np.stack(cols, axis=1)
    codes, counts = np.unique(levels, axis=0, return_counts=True)
    u_full = {f: np.r_[1.0, u[f]] for f in FIELDS}
    m0 = {f: np.r_[0.0, np.ones(len(LEVELS[f]) - 1) / (len(LEVELS[f]) - 1)] for f in FIELDS}
    stats, matches = fit._em(codes, counts.astype(float), list(range(len(FIELDS))), m0, u_full)
    assert abs(matches - n_match) < 0.02 * n_match
    for f in FIELDS:
        est = stats[f][1:] / stats[f][1:].sum()
        assert np.abs(est - true_m[f]).max() < 0.03, f


def _customers(rows):  # type: ignore[no-untyped-def]
    from custinfo.models import Customer

    return [
        Customer(id=i, name=n, phones=ph, emails=[], company=None, address=a, city=c, birthday=b)
        for i, (n, ph, a, c, b) in enumerate(rows, start=1)
    ]


NAMESAKES = [  # same (rare) name, nothing else in common
    ("Quintessa Holloway", [], "7 Arden Street, vic, 3056", "brunswick", "1961-04-09"),
    ("Quintessa Holloway", [], "88 Lygon Road, nsw, 2040", "leichhardt", "1990-11-23"),
    ("Thaddeus Okonkwo", [], None, "perth", None),
    ("Thaddeus Okonkwo", [], None, "perth", None),
    ("欧阳娜娜", [], "北京市朝阳区建国路88号", "北京", "1985-03-03"),
    ("欧阳娜娜", [], "上海市徐汇区漕宝路12号", "上海", "1972-08-19"),
]
_AT = "15 Wattle Avenue, vic, 3128"
FAMILY = [  # one address and landline, one surname, other given names and birthdays
    ("Mary Kowalczyk", ["+61 3 9123 4567"], _AT, "box hill", "1958-02-11"),
    ("Peter Kowalczyk", ["+61 3 9123 4567"], _AT, "box hill", "1956-07-30"),
    ("王小明", ["13800138000"], "杭州市西湖区文三路100号", "杭州", "1979-05-05"),
    ("王小红", ["13800138000"], "杭州市西湖区文三路100号", "杭州", "2004-09-17"),
]  # fmt: skip


@pytest.mark.parametrize("fitted", [True, False])
def test_namesakes_and_family_never_group(febrl_run, fitted):
    from custinfo.dedupe import model, runner, table

    run, _, _ = febrl_run
    background = list(febrl_like(people=1000, seed=3)[0])
    start = len(background)
    extra = _customers(NAMESAKES + FAMILY)
    for offset, c in enumerate(extra, start=1):
        c.id = start + offset
    t = table.from_customers(background + extra)
    chosen = run.model if fitted else model.default()
    groups = runner.Run(t, None, None, model=chosen).groups(0.01, None, False)
    ids = {c.id for c in extra}
    assert not [g.ids for g in groups if len(ids & set(g.ids)) > 1]


def test_model_is_cached_and_refitted(store):
    """The fit is stored in `meta`, reused, and redone after a material change."""
    from custinfo import dedupe, validation
    from custinfo.dedupe.model import META_KEY

    def insert(customers) -> None:  # type: ignore[no-untyped-def]
        with store.write("test") as w:
            for c in customers:
                ci = validation.customer_input(
                    name=c.name, region="AU", address=c.address, city=c.city, birthday=c.birthday
                )
                w.add_customer(ci, source="test")

    customers, _, _ = febrl_like(people=1000, seed=8)
    assert len(customers) > 1050 * 1.1
    insert(customers[:1050])
    stats = dedupe.Stats()
    first = dedupe.find_groups(store, stats=stats, with_reasons=False)
    assert stats.fitted and first
    stored = json.loads(store.db.meta(META_KEY))
    assert stored["fitted"] and stored["customers"] == 1050
    dedupe.find_groups(store, stats=stats, with_reasons=False)
    assert not stats.fitted  # unchanged data: the stored model
    insert(customers[1050:])  # +10%... and more
    dedupe.find_groups(store, stats=stats, with_reasons=False)
    assert stats.fitted and json.loads(store.db.meta(META_KEY))["customers"] == len(customers)


def test_explain_and_model_commands(cli, db):
    def add(*args: str) -> int:
        return int(cli.ok("add", "--allow-duplicate", *args).strip())

    a = add("--name", "Isabella Vincent", "--birthday", "1980-02-03", "--address",
            "12 Main Street, Springfield", "--city", "Springfield")  # fmt: skip
    b = add("--name", "Isabella Nguyen", "--birthday", "1980-02-03", "--address",
            "12 Main Street, Springfield", "--city", "Springfield")  # fmt: skip
    out = json.loads(cli.ok("dedupe", "--explain", str(a), str(b), "--format", "json"))
    levels = {row["field"]: row["level"] for row in out["fields"]}
    assert levels == {"name": "surname differs", "phone": "missing", "email": "missing",
                      "birthday": "same", "address": "same", "company": "missing",
                      "city": "same"}  # fmt: skip
    assert out["ids"] == [a, b] and 0.5 < out["score"] < 1 and not out["vetoed"]
    assert out["reasons"][-1].endswith(": name change?")
    assert "surname differs" in cli.ok("dedupe", "--explain", str(a), str(b), "-f", "table")
    model = json.loads(cli.ok("dedupe", "--model", "--format", "json"))
    assert model["fitted"] is False and set(model["weights"]) >= {"name", "birthday"}
    assert cli("dedupe", "--explain", str(a), "999").code == 3
    assert cli("dedupe", "--explain", str(a), str(a)).code == 2
    for bad in ("0", str(2**63)):  # ids are checked like every customer id: exit 2, one line
        result = cli("dedupe", "--explain", str(a), bad)
        assert result.code == 2 and "customer id" in result.stderr, result.stderr
    assert cli("dedupe", "--explain", str(a), str(b), "--model").code == 2


NAME_PARTS = ["张", "伟", "王", "芳", "Zhang", "Wei", "wang", "Fang", "Müller", "Anna", "O'Neil"]


@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(NAME_PARTS), min_size=1, max_size=3).map(" ".join),
            st.sampled_from([None, "1980-02-03", "1980-03-02", "1980-02-08", "1991-12-31"]),
            st.sampled_from(
                [None, "12 Main St", "12 Main Street", "14 Main St", "上海市张江路100号"]
            ),
            st.sampled_from([None, "上海", "Shanghai", "Springfield", "Springfeld"]),
        ),
        min_size=2,
        max_size=6,
    )
)
@settings(max_examples=40, deadline=None)
def test_comparison_is_symmetric(rows):
    """Which record comes first never changes a level, a weight or a veto."""
    from custinfo.dedupe import model, score, table

    t = table.from_customers(_customers([(n, [], a, c, b) for n, b, a, c in rows]))
    scorer = score.Scorer(t, model.default())
    n = len(t)
    a, b = np.triu_indices(n, 1)
    lv, back = scorer.levels(a, b), scorer.levels(b, a)
    for f in lv.level:
        assert (lv.level[f] == back.level[f]).all(), f
    s1, v1 = scorer.scores(lv, a, b)
    s2, v2 = scorer.scores(back, b, a)
    assert np.allclose(s1, s2) and (v1 == v2).all()
