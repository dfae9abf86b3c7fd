-- Raw tables: what the build and the loaders write. Everything else is a view over these.

CREATE TABLE themes (
    id          VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    short_name  VARCHAR NOT NULL,
    sort_order  INTEGER NOT NULL,
    family      VARCHAR NOT NULL CHECK (family IN ('board', 'policeuk')),
    icon        VARCHAR NOT NULL,  -- the page menu's icon: a Material Symbols name, e.g. local_police
    description VARCHAR
);

-- What each type of area is and how the dashboard treats it: data/area_types.csv (its columns: docs/design.md).
CREATE TABLE area_types (
    type          VARCHAR PRIMARY KEY,
    word          VARCHAR NOT NULL,   -- how menus and headings name the type, e.g. "force area"
    sort_order    INTEGER NOT NULL,   -- display order in menus, tables and charts
    sums_parts    BOOLEAN NOT NULL,   -- its figure is the sum of its child areas' (else it is stored whole)
    csp           BOOLEAN NOT NULL,   -- a Community Safety Partnership: a bar in district charts, a pack of its own
    board_area    BOOLEAN NOT NULL,   -- the board's own area: the default view, and its pack is the board's report
    comparator    BOOLEAN NOT NULL,   -- offered as a comparator, and drawn as a reference line in district charts
    has_residents BOOLEAN NOT NULL    -- false for the no-location bucket: no population, may truly be empty
);

CREATE TABLE areas (
    code        VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    type        VARCHAR NOT NULL REFERENCES area_types (type),
    parent_code VARCHAR
);

-- why: a comparator that is not in the area tree (a region, the nation, a peer group) is the sum of its members
-- where the data cover every one of them; regions and nations list police forces, peer groups list CSPs
CREATE TABLE comparator_groups (
    group_code  VARCHAR NOT NULL,
    group_name  VARCHAR NOT NULL,
    group_type  VARCHAR NOT NULL CHECK (group_type IN ('region', 'national', 'peer')),
    member_code VARCHAR NOT NULL,
    source      VARCHAR,
    PRIMARY KEY (group_code, member_code)
);

CREATE TABLE indicators (
    id                  VARCHAR PRIMARY KEY,
    name                VARCHAR NOT NULL,
    short_name          VARCHAR NOT NULL,
    theme               VARCHAR NOT NULL REFERENCES themes (id),
    unit                VARCHAR NOT NULL CHECK (unit IN ('count', 'rate', 'percentage', 'ratio')),
    multiplier          INTEGER NOT NULL CHECK (multiplier IN (1, 100, 1000, 100000)),
    denominator_basis   VARCHAR NOT NULL CHECK (denominator_basis IN ('population', 'households', 'explicit', 'none')),
    polarity            VARCHAR NOT NULL CHECK (polarity IN ('lower_better', 'higher_better', 'target_band', 'neutral')),
    band_low            DOUBLE,
    band_high           DOUBLE,
    frequency           VARCHAR NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'annual')),
    source              VARCHAR NOT NULL,
    measure             VARCHAR NOT NULL,
    definition          VARCHAR NOT NULL,
    caveats             VARCHAR,
    parent_id           VARCHAR,
    sensitive           BOOLEAN NOT NULL,
    regional_comparator BOOLEAN NOT NULL,
    sort_order          INTEGER NOT NULL,
    CHECK (polarity <> 'target_band' OR (band_low IS NOT NULL AND band_high IS NOT NULL AND band_low < band_high))
);

CREATE TABLE population (
    area_code     VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    persons       BIGINT CHECK (persons > 0),
    households    BIGINT CHECK (households > 0),
    persons_10_17 BIGINT CHECK (persons_10_17 >= 0),
    source        VARCHAR NOT NULL,
    load_id       INTEGER,
    PRIMARY KEY (area_code, year)
);

CREATE SEQUENCE load_ids START 1;

CREATE TABLE loads (
    load_id          INTEGER PRIMARY KEY DEFAULT nextval('load_ids'),
    file_name        VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,
    source_label     VARCHAR NOT NULL,
    is_demo          BOOLEAN NOT NULL,
    rows_read        BIGINT NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    rows_unallocated BIGINT NOT NULL DEFAULT 0,
    rows_replaced    BIGINT NOT NULL DEFAULT 0,
    loaded_at        TIMESTAMP NOT NULL,
    note             VARCHAR
);

CREATE TABLE observations (
    indicator_id VARCHAR NOT NULL REFERENCES indicators (id),
    area_code    VARCHAR NOT NULL REFERENCES areas (code),
    period       DATE NOT NULL CHECK (day(period) = 1),
    numerator    BIGINT NOT NULL CHECK (numerator >= 0),
    denominator  BIGINT CHECK (denominator > 0),
    load_id      INTEGER NOT NULL REFERENCES loads (load_id),
    PRIMARY KEY (indicator_id, area_code, period)
);

CREATE TABLE annotations (
    id           VARCHAR PRIMARY KEY,
    start_date   DATE NOT NULL,
    end_date     DATE,
    label        VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL CHECK (kind IN ('lockdown', 'definition_change', 'note')),
    indicator_id VARCHAR REFERENCES indicators (id),
    description  VARCHAR,
    CHECK (end_date IS NULL OR end_date >= start_date)
);

CREATE TABLE covid_period (
    measure               VARCHAR PRIMARY KEY,
    count_2019            BIGINT NOT NULL,
    count_2020            BIGINT NOT NULL,
    all_forces_pct_change DOUBLE,
    sort_order            INTEGER NOT NULL
);

-- why: a district's police.uk count can come from more than one force's files (crimes recorded across a
-- force boundary), and police.uk revises past months: each force's month is stored as its part of each
-- figure and replaced whole when loaded again; the observation is the sum of the parts (loaders/policeuk.py)
CREATE TABLE policeuk_counts (
    reported_by  VARCHAR NOT NULL,
    period       DATE NOT NULL CHECK (day(period) = 1),
    area_code    VARCHAR NOT NULL REFERENCES areas (code),
    indicator_id VARCHAR NOT NULL REFERENCES indicators (id),
    count        BIGINT NOT NULL CHECK (count >= 0),
    load_id      INTEGER NOT NULL REFERENCES loads (load_id),
    PRIMARY KEY (reported_by, period, area_code, indicator_id)
);

-- Every LSOA the loader knows: the 2011 LSOAs (data/lsoa_lookup.csv), the 2021 LSOAs of data/lsoa21_lookup.csv,
-- and any other code a police.uk load has held (census NULL: in neither lookup).
-- why: no key to areas, since it lists every LSOA of England and Wales and areas holds only those loaded
CREATE TABLE lsoas (
    lsoa_code   VARCHAR PRIMARY KEY,
    lsoa_name   VARCHAR,
    la_code     VARCHAR,
    lsoa11_code VARCHAR,
    census      INTEGER CHECK (census IN (2011, 2021))
);

-- police.uk rows counted per force's month, LSOA and crime type: the places behind policeuk_counts, and exactly
-- its rows (an LSOA code of NULL holds the rows with no LSOA code; area_code is where policeuk_counts counted them).
-- why: no primary key, since rows with no LSOA have a NULL code (the loader writes each group once); no foreign
-- keys, since a crime type the catalogue does not list still counts in all crime, and the area is the one its
-- policeuk_counts row (which has the keys) was written with, in the same transaction
CREATE TABLE policeuk_lsoa_counts (
    reported_by  VARCHAR NOT NULL,
    falls_within VARCHAR NOT NULL,
    period       DATE NOT NULL CHECK (day(period) = 1),
    lsoa_code    VARCHAR,
    lsoa_name    VARCHAR,
    crime_type   VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    area_code    VARCHAR NOT NULL,
    count        BIGINT NOT NULL CHECK (count > 0),
    load_id      INTEGER NOT NULL
);

-- Board indicators with a police.uk counterpart, and why the two counts differ (data/indicator_counterparts.csv).
CREATE TABLE indicator_counterparts (
    indicator       VARCHAR PRIMARY KEY REFERENCES indicators (id),
    counterpart     VARCHAR NOT NULL UNIQUE REFERENCES indicators (id),
    why_they_differ VARCHAR NOT NULL
);
