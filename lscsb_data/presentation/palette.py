"""The one palette: every colour, dash pattern, marker shape and the font that the charts, the pages, the SPC
chart and the pack use.

Colours are Okabe-Ito (safe for the common colour-vision deficiencies), darkened where they carry text so every
text colour is at least 4.5:1 on white and every mark at least 3:1 (WCAG 2.2 AA). Colour never carries meaning
alone: a tone always comes with a word (``vocabulary``), and series, reference lines and signals also differ
by dash pattern or shape.
"""
from __future__ import annotations

# The charts' type: Source Sans Pro is registered with the PNG renderer (``charts.to_png``); in the browser
# Streamlit's own Source Sans (the same design) draws it, so a PNG and the screen set text alike.
FONT = "Source Sans Pro, Source Sans, Arial, sans-serif"

# Okabe-Ito.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
ORANGE = "#E69F00"
SKY = "#56B4E9"
BLACK = "#000000"

# Ink on white.
INK = "#1A1A1A"  # titles and value labels, 17:1
TEXT = "#404040"  # axis labels, subtitles, 10:1
MUTED = "#595959"  # secondary text, 7:1
AXIS = "#767676"  # axis lines and ticks, 4.5:1
GRID = "#E6E6E6"
PALE = "#F3F2F1"  # boxes behind commentary
NOTICE_FILL = "#FBEBE0"  # behind the demonstration-data notice (BAD text on it is 5:1)
HEADING_FILL = "#DCE9F5"  # a theme's row in a summary table

# Roles in the charts.
CHOSEN = BLUE  # the chosen area's bar, the main series
OTHER = "#8C8C8C"  # every other area's bar (3.4:1)
BAR = "#5B8DB8"  # a period's bar under the rolling line (3.5:1)
YEAR_EARLIER = AXIS  # the same period a year earlier, always dashed
BAND_FILL = GREEN  # the target band, drawn at BAND_OPACITY
BAND_OPACITY = 0.18  # behind lines; between bars it shows stronger, BAND_OVER_BARS_OPACITY
BAND_OVER_BARS_OPACITY = 0.35
BAND_TEXT = "#00664A"  # the band's label, 7:1
LOCKDOWN_FILL = "#BDBDBD"
LOCKDOWN_OPACITY = 0.35
DEFINITION_CHANGE = BLACK

# Tones: what a direction or comparison means for the indicator (the word says it; the colour repeats it).
GOOD = BLUE  # 5.2:1, text and marks
BAD = "#B34700"  # Okabe-Ito vermillion darkened to 5.5:1 for text
NEUTRAL = MUTED
TONE_COLOURS = {"good": GOOD, "bad": BAD, "neutral": NEUTRAL}
# Streamlit's names for the same tones (st.metric's delta_color, :blue[...] markdown).
TONE_NAMES = {"good": "blue", "bad": "orange", "neutral": "gray"}

# Several series on one chart: colour and dash both differ, so each line is told apart in grey print too.
SERIES_COLOURS = [BLUE, VERMILLION, GREEN, PURPLE, BLACK, ORANGE]
SERIES_DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [12, 4], [4, 4]]

# Reference lines (county, force, region ...): few, each its own colour and dash, named in a legend.
REFERENCE_COLOURS = [BLACK, VERMILLION, PURPLE, GREEN, MUTED]
REFERENCE_DASHES = [[8, 4], [2, 3], [12, 3, 3, 3], [4, 2], [1, 0]]

# Maps: a sequential blue ramp (ColorBrewer "Blues", lightest first) where darker means more, whatever the
# indicator's polarity; its steps differ in lightness, so the classes read in grey print too.
SEQUENTIAL = ["#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C"]

# Control-chart signals: a shape and a colour each.
SIGNAL_SHAPES = ["circle", "triangle-up", "triangle-down", "square", "diamond"]
SIGNAL_COLOURS = [BLUE, VERMILLION, VERMILLION, PURPLE, PURPLE]
LIMIT_LINE = AXIS
CENTRE_LINE = INK


def rgb_hex(colour: str) -> str:
    """``'#0072B2'`` -> ``'0072B2'``, as python-pptx's ``RGBColor.from_string`` takes it."""
    return colour.lstrip("#").upper()


def contrast(colour: str, background: str = "#FFFFFF") -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    def luminance(value: str) -> float:
        channels = [int(value.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
