"""Data contracts on the database built from data/: keys, not-nulls, accepted values, references."""
from __future__ import annotations

import pytest

REQUIRED_INDICATORS = {
    "all_crime", "residential_burglary", "business_burglary", "vehicle_offences", "violence_with_injury",
    "fte_youth", "youth_reoffending_rate", "youth_eet", "iom_reoffending", "probation_reoffending",
    "marac_repeat_rate", "uava_referrals", "domestic_abuse_crimes", "domestic_abuse_incidents",
    "domestic_violence_with_injury", "sexual_offences", "hospital_admissions_violence", "asb_survey_decreased",
    "feel_safe_after_dark", "police_asb", "police_asb_personal", "police_asb_environmental", "police_asb_nuisance",
    "sentinel_asb", "hate_incidents", "racially_religiously_aggravated", "cohesion_survey",
}


def scalar(con, sql: str):
    return con.execute(sql).fetchone()[0]


def test_catalogue_holds_every_board_indicator_and_the_breakdowns(demo_con):
    ids = set(demo_con.execute("SELECT id FROM indicators").df().id)
    assert REQUIRED_INDICATORS <= ids
    children = demo_con.execute("SELECT id, parent_id FROM indicators WHERE parent_id IS NOT NULL").df()
    assert {"police_asb", "hate_incidents", "domestic_abuse_crimes", "policeuk_all_crime"} <= set(children.parent_id)
    assert (children.groupby("parent_id").size() >= 3).all()


def test_parents_exist_and_share_the_child_unit_and_theme(demo_con):
    assert scalar(demo_con, """
        SELECT count(*) FROM indicators AS c LEFT JOIN indicators AS p ON p.id = c.parent_id
        WHERE c.parent_id IS NOT NULL AND (p.id IS NULL OR p.unit <> c.unit OR p.theme <> c.theme
              OR p.denominator_basis <> c.denominator_basis OR p.frequency <> c.frequency)
    """) == 0


def test_observation_keys_are_unique(demo_con):
    assert scalar(demo_con, """
        SELECT count(*) FROM (SELECT indicator_id, area_code, period FROM observations GROUP BY ALL HAVING count(*) > 1)
    """) == 0


@pytest.mark.parametrize("column", ["indicator_id", "area_code", "period", "numerator", "load_id"])
def test_observation_columns_are_not_null(demo_con, column):
    assert scalar(demo_con, f"SELECT count(*) FROM observations WHERE {column} IS NULL") == 0


def test_every_observation_has_a_known_indicator_area_and_load(demo_con):
    assert scalar(demo_con, """
        SELECT count(*) FROM observations AS o
        LEFT JOIN indicators AS i ON i.id = o.indicator_id
        LEFT JOIN areas AS a ON a.code = o.area_code
        LEFT JOIN loads AS l ON l.load_id = o.load_id
        WHERE i.id IS NULL OR a.code IS NULL OR l.load_id IS NULL
    """) == 0


def test_periods_sit_on_their_indicator_frequency(demo_con):
    assert scalar(demo_con, """
        SELECT count(*) FROM observations AS o JOIN indicators AS i ON i.id = o.indicator_id
        WHERE day(o.period) <> 1
           OR (i.frequency = 'quarterly' AND month(o.period) % 3 <> 1)
           OR (i.frequency = 'annual' AND month(o.period) <> 4)
    """) == 0


def test_explicit_denominators_are_present_exactly_where_needed(demo_con):
    assert scalar(demo_con, """
        SELECT count(*) FROM observations AS o JOIN indicators AS i ON i.id = o.indicator_id
        WHERE (i.denominator_basis = 'explicit') <> (o.denominator IS NOT NULL)
           OR (i.unit = 'percentage' AND o.numerator > o.denominator)
    """) == 0


def test_aggregates_are_never_stored_twice(demo_con):
    """A county or force figure is computed from its parts, never stored beside them."""
    assert scalar(demo_con, """
        SELECT count(*) FROM observations AS o
        JOIN areas AS a ON a.code = o.area_code AND a.type IN ('county', 'force')
        JOIN areas AS c ON c.parent_code = a.code
        JOIN observations AS part ON part.area_code = c.code AND part.indicator_id = o.indicator_id
    """) == 0


def test_area_hierarchy_is_sound(demo_con):
    assert scalar(demo_con, """
        SELECT count(*) FROM areas AS a LEFT JOIN areas AS p ON p.code = a.parent_code
        WHERE a.parent_code IS NOT NULL AND p.code IS NULL
    """) == 0
    llr = demo_con.execute("SELECT leaf_code FROM int_area_leaves WHERE area_code = 'E23000021'").df()
    assert len(llr) == 9
    county = demo_con.execute("SELECT leaf_code FROM int_area_leaves WHERE area_code = 'E10000018'").df()
    assert sorted(county.leaf_code) == [f"E0700012{i}" for i in range(9, 10)] + [f"E0700013{i}" for i in range(6)]


def test_population_is_known_for_every_leaf_of_llr(demo_con):
    missing = demo_con.execute("""
        SELECT l.leaf_code FROM int_area_leaves AS l
        WHERE l.area_code = 'E23000021'
          AND NOT EXISTS (SELECT 1 FROM population AS p WHERE p.area_code = l.leaf_code AND p.persons IS NOT NULL)
    """).df()
    assert missing.empty
    assert scalar(demo_con, "SELECT count(*) FROM population WHERE persons IS NULL AND households IS NULL") == 0


def test_census_county_total_equals_the_sum_of_its_districts(demo_con):
    assert scalar(demo_con, """
        SELECT value FROM mart_population WHERE area_code = 'E10000018' AND measure = 'persons' AND year = 2011
    """) == 650_489


def test_annotations_mark_the_lockdowns_and_definition_changes(demo_con):
    frame = demo_con.execute("SELECT * FROM annotations").df()
    starts = set(frame[frame.kind == "lockdown"].start_date.astype(str))
    assert starts == {"2020-03-23", "2020-11-05", "2021-01-06"}
    changes = set(frame[frame.kind == "definition_change"].indicator_id)
    assert changes == {"residential_burglary", "marac_repeat_rate"}


def test_every_load_says_whether_it_is_demonstration_data(demo_con):
    assert scalar(demo_con, "SELECT count(*) FROM loads WHERE is_demo IS NULL OR source_label IS NULL") == 0


@pytest.mark.parametrize(
    ("copy", "view"),
    [
        ("mat_contributors", "int_contributors"),
        ("mat_population", "(SELECT * FROM mart_population WHERE area_code IN (SELECT code FROM areas))"),
    ],
)
def test_materialised_marts_equal_their_views(demo_con, copy, view):
    for left, right in ((copy, view), (view, copy)):
        assert scalar(demo_con, f"SELECT count(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right})") == 0


def test_materialised_marts_are_refreshed_by_a_load(fixture_con):
    from lscsb_data import loaders

    loaders.load_into(fixture_con, [loaders.InputFile(
        "new.csv", b"indicator,area_code,period,numerator,denominator\nsexual_offences,U1,2020-03,2,\n"
    )])
    parts = fixture_con.execute(
        "SELECT area_code, node_code, is_stored FROM mat_contributors WHERE indicator_id = 'sexual_offences' ORDER BY ALL"
    ).fetchall()
    # U1 is its own part; the force is U1 plus the county's two districts, which have no rows yet.
    assert parts == [("F1", "D1", False), ("F1", "D2", False), ("F1", "U1", True), ("U1", "U1", True)]
