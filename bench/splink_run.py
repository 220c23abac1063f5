"""splink 5 (DuckDB) on the same records, for the side-by-side in bench/dedupe.py.

    python -m bench.splink_run INPUT.json   (prints {"seconds", "peak_rss_mib", "clusters"})

A plain splink setup as its documentation suggests, not tuned to our data: first name and
surname (the first and last token of custinfo's matching form, so pinyin for Chinese
names), birthday, address, city (term frequencies), phone and email when the records have
any. u by random sampling, m by EM on two blocking rules, the prior from a deterministic
rule; pairs at match probability ≥ 0.5, clustered by connected components at 0.5.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from bench.dedupe import peak_rss_mib


def run(records: list[dict]) -> dict:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    start = time.perf_counter()
    df = pd.DataFrame.from_records(records)
    contact = df["phone"].notna().any() or df["email"].notna().any()
    comparisons = [
        cl.ForenameSurnameComparison("first_name", "surname"),
        cl.DateOfBirthComparison("birthday", input_is_string=True),
        cl.JaroWinklerAtThresholds("address", [0.95, 0.85]),
        cl.ExactMatch("city").configure(term_frequency_adjustments=True),
    ]
    rules = [
        block_on("first_name", "surname"),
        block_on("surname", "birthday"),
        block_on("first_name", "birthday"),
        block_on("address"),
    ]
    if contact:
        comparisons += [cl.ExactMatch("phone"), cl.EmailComparison("email")]
        rules += [block_on("phone"), block_on("email")]
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(DuckDBAPI().register(df), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "birthday")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birthday"))
    pairs = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, 0.5)
    frame = clusters.as_pandas_dataframe()
    groups: dict[int, list[int]] = {}
    for cid, uid in zip(frame["cluster_id"], frame["id"], strict=True):
        groups.setdefault(str(cid), []).append(int(uid))
    return {
        "seconds": time.perf_counter() - start,
        "peak_rss_mib": peak_rss_mib(),
        "clusters": [sorted(g) for g in groups.values() if len(g) > 1],
    }


def records_of(store: object) -> list[dict]:
    """The customers as splink input rows (matching forms, first phone and email)."""
    from custinfo.dedupe import normalize as nz

    out = []
    for c in store.iter_all():  # type: ignore[attr-defined]
        tokens = nz.name_tokens(c.name) or ("",)
        out.append(
            {
                "id": c.id,
                "first_name": tokens[0] if len(tokens) > 1 else None,
                "surname": tokens[-1],
                "birthday": c.birthday,
                "address": nz.address_key(c.address, c.city) or None,
                "city": nz.city_key(c.city) or None,
                "phone": c.phones[0] if c.phones else None,
                "email": c.emails[0].casefold() if c.emails else None,
            }
        )
    return out


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        data = json.load(fh)
    print(json.dumps(run(data)))
