-- Materialised copies of the costly marts, rebuilt by every write in the same transaction.
-- why: the recursive area walk and the population interpolation cost tens of milliseconds per query,
-- and they change only when a build or load writes; a contract test checks each copy equals its view.

CREATE OR REPLACE TABLE mat_contributors AS
SELECT * FROM int_contributors;

-- why: only areas the dashboard knows need a population; other districts' estimates wait in `population`
CREATE OR REPLACE TABLE mat_population AS
SELECT * FROM mart_population WHERE area_code IN (SELECT code FROM areas);
