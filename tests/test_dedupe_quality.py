"""A small labelled run of the matcher (the full benchmark is bench/dedupe.py)."""

from __future__ import annotations

from collections import Counter, defaultdict


def _labelled(n: int, **kwargs):  # type: ignore[no-untyped-def]
    from custinfo import validation
    from custinfo.demo.synth import generate, to_fields
    from custinfo.errors import ValidationError
    from custinfo.models import Customer

    customers, truth = [], {}
    for rec in generate(n, seed=5, **kwargs):
        try:
            ci = validation.customer_input(region="CN", **to_fields(rec))
        except ValidationError:
            continue
        cid = len(customers) + 1
        customers.append(
            Customer(id=cid, name=ci.name, phones=[str(p) for p in ci.phones], emails=ci.emails,
                     company=ci.company, address=ci.address, city=ci.city, birthday=ci.birthday)
        )  # fmt: skip
        truth[cid] = rec.cluster
    return customers, truth


def _quality(groups, truth) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    clusters = defaultdict(list)
    for cid, cl in truth.items():
        clusters[cl].append(cid)
    real = {tuple(sorted(m)) for m in clusters.values() if len(m) > 1}
    pure = sum(len(Counter(truth[i] for i in g.ids)) == 1 for g in groups)
    exact = sum(tuple(g.ids) in real for g in groups)
    return pure / max(len(groups), 1), exact / max(len(real), 1)


def test_precision_and_recall_on_labelled_sample():
    from custinfo.dedupe import AUTO_MIN_SCORE, DEFAULT_MIN_SCORE, runner, table

    customers, truth = _labelled(4000, dup_share=0.15, namesake_share=0.05)
    run = runner.Run(table.from_customers(customers), None, None)
    assert run.model.fitted  # 4000 customers: the model is learned
    precision, recall = _quality(run.groups(DEFAULT_MIN_SCORE, None, False), truth)
    assert precision >= 0.99 and recall >= 0.97, (precision, recall)
    auto = run.groups(AUTO_MIN_SCORE, None, False)
    assert _quality(auto, truth)[0] == 1.0


def test_names_addresses_birthdays_only():
    from custinfo.dedupe import groups_in_table, table

    customers, truth = _labelled(3000, dup_share=0.15, sparse_share=1.0)
    for c in customers:
        c.phones, c.emails, c.company = [], [], None
    precision, recall = _quality(
        groups_in_table(table.from_customers(customers), with_reasons=False), truth
    )
    assert precision >= 0.99 and recall >= 0.93, (precision, recall)
