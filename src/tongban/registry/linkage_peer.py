"""The benchmark's peer: splink's documented default deduplication, run on the same rows as our linkage.

Not used by builds. ``bench/registry.py`` compares our figures with these on the same data and truth.
"""

from __future__ import annotations

import logging

import duckdb

from tongban.registry.linkage import drop_scratch, surname_length

__all__ = ["splink_default_dedupe"]


def splink_default_dedupe(con: duckdb.DuckDBPyConnection, table: str, *, predict_threshold: float | None = None,
                          cluster_threshold: float = 0.95, seed: int = 1) -> str:
    """splink's documented default dedupe of ``table``, the benchmark's peer; returns a table (unique_id, cluster_id).

    ``table`` has unique_id, sex, district, phone, a name (``name``, or ``surname`` and ``given_name``), a birth date
    (``dob`` or ``birth_date``, DATE) and, optionally, the ID number as delivered (``id``): then it is compared
    exactly and blocked on, as a splink user with an ID column would. The steps are splink's tutorial and its
    50k-record example: the prior from deterministic rules at a guessed recall of 0.7, u from random pairs, EM blocked
    on the name then on the birth date, predict, connected components."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    columns, cut = {c for (c, *_) in con.execute(f"DESCRIBE {table}").fetchall()}, surname_length("name")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW _lk_peer AS SELECT unique_id, sex, district, phone,
        {'surname' if 'surname' in columns else f'substr(name, 1, {cut}) AS surname'},
        {'given_name' if 'given_name' in columns else f'substr(name, {cut} + 1) AS given_name'},
        {'dob' if 'dob' in columns else 'birth_date AS dob'}{', id' if 'id' in columns else ''} FROM {table}""")
    with_id = "id" in columns

    settings = SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="unique_id", retain_intermediate_calculation_columns=False,
        comparisons=[cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                     cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
                     cl.DateOfBirthComparison("dob", input_is_string=False), cl.ExactMatch("sex"),
                     cl.ExactMatch("district").configure(term_frequency_adjustments=True), cl.ExactMatch("phone"),
                     *([cl.ExactMatch("id")] if with_id else [])],
        blocking_rules_to_generate_predictions=[
            block_on("dob"), block_on("surname", "given_name"), block_on("phone"),
            block_on("given_name", "district", "year(dob)"), block_on("surname", "district", "year(dob)"),
            *([block_on("id")] if with_id else [])])
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register("_lk_peer"), settings, log_level=logging.WARNING)
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("surname", "given_name", "dob"), block_on("phone", "dob"), *([block_on("id")] if with_id else [])],
            recall=0.7)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
        for rule in (block_on("surname", "given_name"), block_on("dob")):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True)
        predictions = linker.inference.predict(threshold_match_probability=predict_threshold)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=cluster_threshold)
        con.execute(f"CREATE OR REPLACE TABLE splink_default_clusters AS "
                    f"SELECT unique_id, cluster_id FROM {clusters.physical_name}")
    finally:
        db_api.delete_tables_created_by_splink_from_db()
        drop_scratch(con)
    return "splink_default_clusters"
