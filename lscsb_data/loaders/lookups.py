"""The reference files that place a police.uk row in its local authority, LSOA and police force.

``data/lsoa_lookup.csv`` (lsoa_code, lsoa_name, la_code): every 2011 LSOA in England and Wales with its
name and local authority (2021 codes). ``data/lsoa21_lookup.csv`` (lsoa21_code, lsoa21_name, lsoa11_code,
change, la_code): the 2021 LSOAs police.uk uses since 2023 that are not 2011 LSOAs, each with the one
2011 LSOA it lies within where there is one (``change`` S, a split; blank for M, merged, and X,
irregular); written from the ONS LSOA 2011 to 2021 lookup by ``lookups --lsoa21 PATH``, header only until
then. ``data/lsoa_name_prefixes.csv`` (prefix, la_code): the local-authority part of
LSOA names ("Charnwood" in "Charnwood 012B"), for LSOAs whose code is not in the lookup (2021 LSOAs).
``data/local_authorities.csv`` (la_code, la_name, region_code, police_force_code) and
``data/police_forces.csv`` (code, name, police_uk_name). All but the 2021 lookup are derived from
``../shared/reference/lsoa2011_lookup.csv`` by ``python -m lscsb_data lookups --reference PATH``.
"""
from __future__ import annotations

import duckdb

from lscsb_data.config import DATA_DIR

LOOKUP_FILES = {
    "lsoa_lookup": "lsoa_lookup.csv",
    "lsoa21_lookup": "lsoa21_lookup.csv",
    "lsoa_name_prefixes": "lsoa_name_prefixes.csv",
    "local_authorities": "local_authorities.csv",
    "police_forces": "police_forces.csv",
}

# why: police.uk names a force "Devon & Cornwall Police" or "Metropolitan Police Service", the ONS table
# "Devon and Cornwall"; comparing lower-cased names without the '&' and the trailing service word matches both
FORCE_KEY_MACRO = r"""
CREATE OR REPLACE MACRO force_key(force_name) AS regexp_replace(
    regexp_replace(lower(trim(replace(force_name, '&', 'and'))), '\s+', ' ', 'g'),
    ' (police service|police|constabulary|service)$', '')
"""


def install(con: duckdb.DuckDBPyConnection, data_dir=None) -> None:
    """Create the lookup tables (and the ``force_key`` macro) in a working connection (from ``DATA_DIR``
    unless ``data_dir`` is given)."""
    data_dir = data_dir or DATA_DIR
    con.execute(FORCE_KEY_MACRO)
    for table, file_name in LOOKUP_FILES.items():
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv($path, header = true, all_varchar = true)",
            {"path": str(data_dir / file_name)},
        )
    con.execute("ALTER TABLE police_forces ADD COLUMN key VARCHAR")
    con.execute("UPDATE police_forces SET key = force_key(police_uk_name)")


def derive_from_reference(reference_csv, data_dir=DATA_DIR) -> dict[str, int]:
    """Rewrite the LSOA lookup, name prefixes and local authorities from the ONS-based reference lookup.

    Where the reference names no police force for a local authority, the force already recorded in
    ``data/local_authorities.csv`` is kept; local authorities the reference lacks are kept as they are.
    Returns the number of rows written per file.
    """
    with duckdb.connect() as con:
        con.execute(FORCE_KEY_MACRO)
        con.execute(
            "CREATE TABLE ref AS SELECT * FROM read_csv($path, header = true, all_varchar = true)",
            {"path": str(reference_csv)},
        )
        con.execute(
            "CREATE TABLE forces AS SELECT *, force_key(name) AS key FROM read_csv($path, header = true, all_varchar = true)",
            {"path": str(data_dir / LOOKUP_FILES["police_forces"])},
        )
        existing = data_dir / LOOKUP_FILES["local_authorities"]
        con.execute(
            "CREATE TABLE existing AS SELECT * FROM read_csv($path, header = true, all_varchar = true)"
            if existing.exists() else
            "CREATE TABLE existing (la_code VARCHAR, la_name VARCHAR, region_code VARCHAR, police_force_code VARCHAR)",
            {"path": str(existing)} if existing.exists() else None,
        )
        written = {}
        queries = {
            "lsoa_lookup": "SELECT lsoa_code, lsoa_name, la_code FROM ref ORDER BY lsoa_code",
            # why: a few LSOAs were moved across a boundary after they were named, so each prefix takes
            # the local authority most of its LSOAs are in
            "lsoa_name_prefixes": """
                SELECT prefix, la_code FROM (
                    SELECT regexp_extract(lsoa_name, '^(.*) [0-9]{3}[A-Z]$', 1) AS prefix, la_code FROM ref
                    UNION ALL SELECT DISTINCT la_name, la_code FROM ref
                    UNION ALL SELECT la_name, la_code FROM existing
                )
                GROUP BY prefix, la_code
                QUALIFY row_number() OVER (PARTITION BY prefix ORDER BY count(*) DESC, la_code) = 1
                ORDER BY prefix
            """,
            "local_authorities": """
                WITH derived AS (
                    SELECT la_code, any_value(la_name) AS la_name, any_value(region_code) AS region_code,
                           mode(f.code) AS police_force_code
                    FROM ref LEFT JOIN forces AS f ON f.key = force_key(ref.police_force)
                    GROUP BY la_code
                )
                SELECT d.la_code, d.la_name, d.region_code, coalesce(d.police_force_code, e.police_force_code) AS police_force_code
                FROM derived AS d LEFT JOIN existing AS e USING (la_code)
                UNION ALL
                SELECT * FROM existing WHERE la_code NOT IN (SELECT la_code FROM derived)
                ORDER BY la_code
            """,
        }
        for name, query in queries.items():
            frame = con.execute(query).df()
            frame.to_csv(data_dir / LOOKUP_FILES[name], index=False)
            written[LOOKUP_FILES[name]] = len(frame)
        return written


LSOA21_COLUMNS = ["lsoa21_code", "lsoa21_name", "lsoa11_code", "change", "la_code"]
# The ONS "LSOA (2011) to LSOA (2021) to Local Authority District (2022)" lookup's columns.
ONS_LSOA21_COLUMNS = ["LSOA11CD", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD"]


def derive_lsoa21(ons_lookup_csv, data_dir=DATA_DIR) -> int:
    """Rewrite ``data/lsoa21_lookup.csv`` from the ONS LSOA 2011 to 2021 lookup; returns the rows written.

    Only 2021 LSOAs whose code is not a 2011 code are written (an unchanged LSOA keeps its code, which
    ``lsoa_lookup.csv`` already places). A 2021 LSOA made from one 2011 LSOA (a split) gets that LSOA as
    ``lsoa11_code``; one made from several (a merge, or an irregular change) gets none, since its count
    cannot be given to one 2011 LSOA.
    """
    with duckdb.connect() as con:
        con.execute("CREATE TABLE ons AS SELECT * FROM read_csv($path, header = true, all_varchar = true)",
                    {"path": str(ons_lookup_csv)})
        held = {row[0].upper() for row in con.execute("SELECT column_name FROM (DESCRIBE ons)").fetchall()}
        missing = [c for c in ONS_LSOA21_COLUMNS if c not in held]
        if missing:
            raise ValueError(f"{ons_lookup_csv}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                             f"expected the ONS LSOA (2011) to LSOA (2021) lookup with {', '.join(ONS_LSOA21_COLUMNS)}")
        frame = con.execute(
            """
            SELECT LSOA21CD AS lsoa21_code, any_value(LSOA21NM) AS lsoa21_name,
                   CASE WHEN count(DISTINCT LSOA11CD) = 1 THEN any_value(LSOA11CD) END AS lsoa11_code,
                   any_value(CHGIND) AS change, any_value(LAD22CD) AS la_code
            FROM ons WHERE LSOA21CD NOT IN (SELECT lsoa_code FROM read_csv($lookup, header = true, all_varchar = true))
            GROUP BY LSOA21CD ORDER BY LSOA21CD
            """,
            {"lookup": str(data_dir / LOOKUP_FILES["lsoa_lookup"])},
        ).df()
    frame[LSOA21_COLUMNS].to_csv(data_dir / LOOKUP_FILES["lsoa21_lookup"], index=False)
    return len(frame)


def load_lsoas(con: duckdb.DuckDBPyConnection, data_dir=DATA_DIR) -> None:
    """Fill the database's ``lsoas`` table: every 2011 LSOA, and the 2021 LSOAs of the 2021 lookup."""
    con.execute(
        """
        INSERT INTO lsoas (lsoa_code, lsoa_name, la_code, lsoa11_code, census)
        SELECT lsoa_code, lsoa_name, la_code, lsoa_code, 2011 FROM read_csv($lookup, header = true, all_varchar = true)
        UNION ALL
        SELECT lsoa21_code, lsoa21_name, la_code, lsoa11_code, 2021 FROM read_csv($lookup21, header = true, all_varchar = true)
        """,
        {"lookup": str(data_dir / LOOKUP_FILES["lsoa_lookup"]), "lookup21": str(data_dir / LOOKUP_FILES["lsoa21_lookup"])},
    )
