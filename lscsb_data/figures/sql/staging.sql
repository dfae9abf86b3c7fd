-- Staging: one view per raw table that the marts read, adding the derived attributes they need.

-- why: a window holds 12 / period_months periods, so the marts need the length of an indicator's period
CREATE OR REPLACE VIEW stg_indicators AS
SELECT
    i.*,
    CASE i.frequency WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 ELSE 12 END AS period_months,
    t.name AS theme_name,
    t.short_name AS theme_short_name,
    t.family,
    t.sort_order AS theme_order
FROM indicators AS i
JOIN themes AS t ON t.id = i.theme;

-- why: an area's type says how it is treated (data/area_types.csv); only a type that sums its parts is an
-- aggregate, and only where we hold parts: regions and the nation are comparators stored whole
CREATE OR REPLACE VIEW stg_areas AS
SELECT
    a.*,
    t.word AS type_word,
    t.sort_order AS type_order,
    t.sums_parts AND EXISTS (SELECT 1 FROM areas AS c WHERE c.parent_code = a.code) AS is_aggregate,
    t.csp AS is_csp,
    t.board_area AS is_board_area,
    t.comparator AS is_comparator,
    t.has_residents
FROM areas AS a
JOIN area_types AS t USING (type);

-- why: every number must carry its source and whether it is demonstration data, which live on its load
CREATE OR REPLACE VIEW stg_observations AS
SELECT o.indicator_id, o.area_code, o.period, o.numerator, o.denominator, o.load_id, l.source_label, l.is_demo
FROM observations AS o
JOIN loads AS l USING (load_id);

-- why: persons and households are known in different years, so each is interpolated on its own
CREATE OR REPLACE VIEW stg_population_known AS
UNPIVOT (SELECT area_code, year, persons, households, persons_10_17 FROM population)
ON persons, households, persons_10_17
INTO NAME measure VALUE value;
