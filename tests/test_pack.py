"""The performance pack: a deck and an HTML file that show the engine's figures, charts and commentary literally."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pptx import Presentation

from lscsb_data.figures import exceptions, narrative
from lscsb_data.presentation import formatting, pack
from lscsb_data import summary
from tests.cli_support import run_cli
from tests.fixture_db import make_fixture_db

HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> [click me](javascript:alert(1)) **bold?**'


@pytest.fixture(scope="module")
def fixture_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack")
    db_path = folder / "f.duckdb"
    make_fixture_db(str(db_path)).close()
    commentary = folder / "f.commentary.csv"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(narrative.EDIT_ENV_VAR, "1")
        narrative.add_comment(commentary, scope="indicator", subject="all_crime", area="D1", quarter="2019-20-Q4",
                              text=HOSTILE, author="A Analyst")
        narrative.add_comment(commentary, scope="theme", subject="crime", area="D1", quarter="2019-20-Q4",
                              text="Crime rose, driven by the night-time economy.", author="B Co-ordinator")
    return db_path, commentary


@pytest.fixture(scope="module")
def alpha(fixture_files):
    db_path, commentary = fixture_files
    from lscsb_data import connect

    with connect(db_path, read_only=True) as con:
        built = pack.assemble(con, area="D1", quarter="2019-20-Q4", commentary_file=commentary)
        engine_summary = summary(con, period=date(2020, 3, 1), area="D1")
    return built, pack.pptx_bytes(built), pack.html_text(built), engine_summary


def slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return "\n".join(parts)


def test_the_deck_has_the_named_slides_in_order(alpha):
    _built, data, _html, _engine = alpha
    names = pack.slide_names(data)
    assert names[0] == "Title" and names[-1] == "Definitions and caveats"
    assert {"Summary 1", "Exceptions 1", "Theme: Ongoing reductions in crime",
            "Theme: Repeat victimisation and vulnerable victims"} <= set(names)
    kinds = [name.split(" ")[0].rstrip(":") for name in names]
    assert kinds == sorted(kinds, key=["Title", "Summary", "Exceptions", "Theme", "Definitions"].index)


def test_title_slide_says_area_quarter_data_as_at_sources_and_demonstration_data(alpha):
    _built, data, _html, _engine = alpha
    text = slide_text(Presentation(io.BytesIO(data)).slides[0])
    assert "Community safety performance pack: Alpha" in text
    assert "2019/20 Q4 (Jan-Mar 2020)" in text and "12 months to March 2020" in text
    assert "fixture (demonstration data): figures to Mar 2020" in text
    assert "Leicestershire Police crime records" in text
    assert "Demonstration data:" in text


def test_theme_slides_hold_sharp_chart_images(alpha):
    _built, data, _html, _engine = alpha
    deck = Presentation(io.BytesIO(data))
    crime = next(s for s in deck.slides if s.name == "Theme: Ongoing reductions in crime")
    pictures = [shape for shape in crime.shapes if shape.shape_type == 13]
    assert len(pictures) == 4  # overall crime, residential and business burglary, violence with injury
    for picture in pictures:
        blob = picture.image.blob
        assert blob[:8] == b"\x89PNG\r\n\x1a\n"
        width_px = int.from_bytes(blob[16:20], "big")
        # at least 150 pixels per inch of the picture's width on the slide: sharp on a projector
        assert width_px / (picture.width / 914_400) >= 150


def summary_rows(data: bytes) -> dict[str, list[str]]:
    rows = {}
    for slide in Presentation(io.BytesIO(data)).slides:
        if not slide.name.startswith("Summary"):
            continue
        for shape in slide.shapes:
            if shape.has_table:
                for row in list(shape.table.rows)[1:]:
                    cells = [cell.text for cell in row.cells]
                    if cells[1]:
                        rows[cells[0]] = cells
    return rows


def test_summary_table_figures_equal_the_engines(alpha):
    _built, data, _html, engine = alpha
    rows = summary_rows(data)
    assert len(rows) == len(engine) and len(engine) > 10
    crime = rows["Overall crime (per 1,000 population)"]
    # the same words and rounding as the screen's cards and tables
    assert crime[1:5] == ["54.5", "33.3", "+21.2 (+63.6%)", "\u2191 worsening"]
    for built_row in _built_rows(alpha):
        cells = pack.summary_cells(built_row)
        match = engine[engine.indicator == built_row["indicator"]].iloc[0]
        assert rows[cells["indicator"]][1] == formatting.figure(match.current_value, match.unit)
        assert rows[cells["indicator"]][2] == formatting.figure(match.previous_value, match.unit)
        assert rows[cells["indicator"]][5] == ("demo" if match.is_demo else "real")


def _built_rows(alpha):
    built, _data, _html, _engine = alpha
    return built.summary.to_dict("records")


def test_exceptions_slides_carry_every_sentence_on_the_slide_and_in_the_notes(alpha):
    built, data, _html, _engine = alpha
    deck = Presentation(io.BytesIO(data))
    slides = [s for s in deck.slides if s.name.startswith("Exceptions")]
    shown = "\n".join(slide_text(s) for s in slides)
    notes = "\n".join(s.notes_slide.notes_text_frame.text for s in slides)
    sentences = [row["sentence"] for section in built.themes for row in section.exceptions]
    assert len(sentences) == built.exception_count > 3
    for sentence in sentences:
        assert sentence in shown.replace("\n", " ") and sentence in notes


def test_commentary_appears_literally_with_its_author(alpha):
    _built, data, html_text, _engine = alpha
    deck = Presentation(io.BytesIO(data))
    crime = next(s for s in deck.slides if s.name == "Theme: Ongoing reductions in crime")
    assert "A Analyst" in slide_text(crime) and HOSTILE in slide_text(crime)
    assert "B Co-ordinator" in slide_text(crime)
    assert HOSTILE in crime.notes_slide.notes_text_frame.text
    assert "<script" not in html_text and "<img src=x" not in html_text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html_text
    assert "[click me](javascript:alert(1)) **bold?**" in html_text


SAFE_TAGS = {"html", "head", "meta", "title", "style", "body", "section", "h1", "h2", "h3", "p", "strong", "span",
             "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "div", "figure", "img", "figcaption", "dl", "dt", "dd"}


def parsed_tags(text: str) -> list[tuple[str, list]]:
    """Every start tag the browser would see, with its attributes."""
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(text)
    return found


def test_html_is_self_contained(alpha):
    _built, _data, html_text, _engine = alpha
    assert not re.search(r"https?:", html_text)
    tags = parsed_tags(html_text)
    references = [value for _tag, attrs in tags for name, value in attrs if name in {"src", "href", "srcset", "action"}]
    assert references and all(ref.startswith("data:image/png;base64,") for ref in references)
    assert {tag for tag, _attrs in tags} <= SAFE_TAGS
    assert "@import" not in html_text and "url(" not in html_text
    assert "@media print" in html_text and "break-before: page" in html_text


def test_html_shows_the_same_figures_and_sentences(alpha):
    built, _data, html_text, _engine = alpha
    for row in built.summary.to_dict("records"):
        assert f"<td>{pack._e(pack.summary_cells(row)['indicator'])}</td>" in html_text
    for section in built.themes:
        for row in section.exceptions:
            assert pack._e(row["sentence"]) in html_text


def test_county_pack_is_the_board_report_theme_by_theme(fixture_files):
    db_path, commentary = fixture_files
    from lscsb_data import connect

    with connect(db_path, read_only=True) as con:
        board = pack.assemble(con, area="C1", quarter="2018-19-Q4", commentary_file=commentary)
    assert board.is_board_report and board.title == "Safer Communities performance report: Fixture County"
    deck = Presentation(io.BytesIO(pack.pptx_bytes(board)))
    report = "\n".join(slide_text(s) for s in deck.slides if s.name.startswith("Exceptions"))
    assert "Exception report: what moved notably" in report
    assert report.count(exceptions.NOTHING_TO_REPORT) == len(board.themes) == 6


def test_unknown_area_and_empty_period_are_clear_errors(fixture_files):
    db_path, _commentary = fixture_files
    from lscsb_data import connect

    with connect(db_path, read_only=True) as con:
        with pytest.raises(ValueError, match="unknown area 'XX'"):
            pack.assemble(con, area="XX", quarter="2019-20-Q4")
        with pytest.raises(ValueError, match="no figures for Alpha"):
            pack.assemble(con, area="D1", quarter="2010-11-Q4")
        assert pack.csp_areas(con) == ["D1", "D2", "U1"]


def test_cli_writes_a_pack_for_every_csp(fixture_files, tmp_path):
    db_path, _commentary = fixture_files
    result = run_cli("pack", "--db", db_path, "--area", "all", "--quarter", "2019-20-Q4", "--format", "html",
                     "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2019-20-Q4-D1-alpha.html", "2019-20-Q4-D2-beta.html", "2019-20-Q4-U1-gamma.html",
    ]
    bad = run_cli("pack", "--db", db_path, "--area", "D1", "--quarter", "2019-Q4")
    assert bad.returncode == 2 and "not a financial quarter" in bad.stderr


@pytest.fixture(scope="module")
def public_alpha(fixture_files):
    """Alpha's pack in public mode, with every chart spec the pack rendered (as JSON), its deck and its HTML."""
    import json

    from lscsb_data import connect
    from lscsb_data.presentation import charts as chart_builders

    db_path, _commentary = fixture_files
    specs = []
    render = chart_builders.to_png

    def recording(chart, scale=pack.PNG_SCALE):
        specs.append(json.dumps(chart.to_dict(validate=False)))
        return render(chart, scale=scale)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chart_builders, "to_png", recording)
        patch.setenv("LSCSB_PUBLIC", "1")
        with connect(db_path, read_only=True) as con:
            built = pack.assemble(con, area="D1", quarter="2019-20-Q4")
        return built, specs, pack.pptx_bytes(built), pack.html_text(built)


def test_public_mode_pack_withholds_small_numbers_everywhere(public_alpha):
    built, _specs, data, html = public_alpha
    withheld = summary_rows(data)["Domestic abuse incidents (per 1,000 population)"]
    # Alpha's running total never reaches 5, so both years' protected counts are 0 and read [c], never "none".
    assert withheld[1:4] == ["[c]", "[c]", "[c]"]
    deck = Presentation(io.BytesIO(data))
    everything = "\n".join(slide_text(s) + s.notes_slide.notes_text_frame.text for s in deck.slides)
    # Alpha's 2 incidents on 11,000 people would read 0.18 per 1,000.
    assert "0.18" not in everything and "0.18" not in html
    assert "Domestic abuse incidents in Alpha: figures withheld" in everything


def test_public_mode_charts_never_plot_a_withheld_figure(fixture_files, public_alpha):
    import json

    from lscsb_data import connect, series

    db_path, _commentary = fixture_files
    built, specs, _data, html = public_alpha
    with connect(db_path, read_only=True) as con:
        shown = series(con, area="D1", end=date(2020, 3, 1), public=True)
        private = series(con, area="D1", end=date(2020, 3, 1), public=False)
    both = private.drop(columns="suppressed", errors="ignore").merge(
        shown[["indicator", "period", "suppressed"]], on=["indicator", "period"])
    withheld = both[both.suppressed.astype(bool) & (both.value.fillna(0) > 0)]
    # Alpha's months of domestic abuse and hate incidents are withheld: their rates must be in none of their charts.
    assert set(withheld.indicator) >= {"domestic_abuse_incidents", "hate_incidents"}
    names = dict(zip(built.summary.indicator, built.summary.indicator_name))
    for indicator, rows in withheld.groupby("indicator"):
        charts = [spec for spec in specs if f'"{names[indicator]}: Alpha"' in spec]
        assert charts, indicator
        for value in rows.value:
            assert not any(json.dumps(float(value)) in spec for spec in charts), (indicator, value)
    assert all(f"{value:.2f}" not in html for value in withheld.value)
