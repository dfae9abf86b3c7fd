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

-- why: only county and force areas are sums of parts we hold; regions and the nation are comparators stored whole
CREATE OR REPLACE VIEW stg_areas AS
SELECT
    a.*,
    a.type IN ('county', 'force')
        AND EXISTS (SELECT 1 FROM areas AS c WHERE c.parent_code = a.code) AS is_aggregate,
    CASE a.type
        WHEN 'district' THEN 1 WHEN 'county' THEN 2 WHEN 'unitary' THEN 3 WHEN 'force' THEN 4
        WHEN 'region' THEN 5 WHEN 'group' THEN 6 WHEN 'national' THEN 7 ELSE 8
    END AS type_order
FROM areas AS a;

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
