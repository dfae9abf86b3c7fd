-- The local authorities an area is made of (a district or unitary is its own), for the LSOAs to draw.
SELECT leaf_code FROM int_area_leaves WHERE area_code = $area ORDER BY leaf_code
