"""``python -m lscsb_data boundaries``: copy the boundaries the maps need from the reference TopoJSON into ``data/boundaries/``.

Only the local authorities the dashboard maps are kept (those that sum into a police force in
``data/areas.csv``: the seven Leicestershire districts, Leicester and Rutland), cut out of the national
district file with just the arcs they use, and each one's 2011 LSOA file as it is. The files stay small (a
few hundred kilobytes in all) and keep the licence and attribution note beside them
(``data/boundaries/README.md``, ``sources.csv``).
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from lscsb_data.config import DATA_DIR, PROJECT_ROOT

REFERENCE_DIR = PROJECT_ROOT.parent / "shared" / "reference" / "boundaries"
FOLDER = "boundaries"
DISTRICT_FILES = ("lad2013_england.topo.json", "lad2013_wales.topo.json")
DISTRICT_FILE = "districts.topo.json"
ATTRIBUTION = ("Contains Ordnance Survey and ONS data \u00a9 Crown copyright and database right 2014-2016, licensed under "
               "the Open Government Licence v3.0. Boundaries: UK-GeoJSON by Martin Chorley, CC BY 4.0.")
SOURCE_COLUMNS = ["file", "object", "level", "area_code", "code_property", "name_property", "attribution"]


def subset(topology: dict, object_name: str, keep: set[str], code_property: str, new_name: str) -> dict:
    """A TopoJSON holding only the geometries of ``object_name`` whose ``code_property`` is in ``keep``, with only
    the arcs they use (renumbered; a negative index ``~i`` is arc ``i`` reversed)."""
    geometries = [g for g in topology["objects"][object_name]["geometries"] if g["properties"][code_property] in keep]
    used: dict[int, int] = {}

    def renumber(arcs):
        if arcs and isinstance(arcs[0], list):
            return [renumber(part) for part in arcs]
        out = []
        for index in arcs:
            original = index if index >= 0 else ~index
            new = used.setdefault(original, len(used))
            out.append(new if index >= 0 else ~new)
        return out

    kept = [{**g, "arcs": renumber(g["arcs"])} for g in geometries]
    arcs = [None] * len(used)
    for original, new in used.items():
        arcs[new] = topology["arcs"][original]
    result = {"type": "Topology", "objects": {new_name: {"type": "GeometryCollection", "geometries": kept}}, "arcs": arcs}
    if "transform" in topology:
        result["transform"] = topology["transform"]
    return result


def mapped_areas(data_dir: Path = DATA_DIR) -> list[str]:
    """Local authorities that sum into a police force in ``areas.csv`` (directly or through a county)."""
    with open(data_dir / "areas.csv", newline="") as handle:
        areas = {row["code"]: row for row in csv.DictReader(handle)}

    def in_force(code: str) -> bool:
        parent = areas[code]["parent_code"]
        while parent:
            if areas.get(parent, {}).get("type") == "force":
                return True
            parent = areas.get(parent, {}).get("parent_code")
        return False

    return sorted(code for code, row in areas.items() if row["type"] in {"district", "unitary"} and in_force(code))


def write_boundaries(reference_dir: Path = REFERENCE_DIR, data_dir: Path = DATA_DIR) -> list[Path]:
    """Write ``data/boundaries/``: the mapped districts' shapes, their LSOA files and ``sources.csv``."""
    target = data_dir / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    wanted = set(mapped_areas(data_dir))
    found: dict = {}
    for name in DISTRICT_FILES:
        topology = json.loads((reference_dir / name).read_text())
        codes = {g["properties"]["LAD13CD"] for g in topology["objects"]["lad"]["geometries"]} & wanted
        if codes:
            found[name] = (topology, codes)
    missing = wanted - set().union(*(codes for _, codes in found.values())) if found else wanted
    if missing:
        raise ValueError(f"no 2013 district shape for {', '.join(sorted(missing))} in {reference_dir}: a code changed "
                         "after 2013 (see its README) needs its shape from a newer boundary file")
    if len(found) != 1:
        raise ValueError("the mapped districts span more than one reference file; merge them first")
    (topology, codes), = found.values()
    written = [target / DISTRICT_FILE]
    written[0].write_text(json.dumps(subset(topology, "lad", codes, "LAD13CD", "districts"), separators=(",", ":")))
    sources = [{"file": DISTRICT_FILE, "object": "districts", "level": "district", "area_code": "",
                "code_property": "LAD13CD", "name_property": "LAD13NM", "attribution": ATTRIBUTION}]
    for code in sorted(wanted):
        source = reference_dir / f"lsoa2011_{code}.topo.json"
        if source.exists():
            shutil.copyfile(source, target / source.name)
            written.append(target / source.name)
            sources.append({"file": source.name, "object": code, "level": "lsoa", "area_code": code,
                            "code_property": "LSOA11CD", "name_property": "LSOA11NM", "attribution": ATTRIBUTION})
    with open(target / "sources.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SOURCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sources)
    return [*written, target / "sources.csv"]
