"""The Data page's disclosure section: what a public visitor can and cannot learn, in plain words.

The method and its proof are in lscsb_data/figures/disclosure.py and docs/disclosure.md; this says the same
to a reader of the dashboard.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from lscsb_data.figures import disclosure

STEP = disclosure.ROUNDING_BASE
FEWEST = disclosure.SMALLEST_RATE_BASE


def render(catalogue: pd.DataFrame, *, public: bool) -> None:
    """The section: which indicators are protected, how, what [c] means, and what combining figures gives."""
    st.header("Disclosure control", divider="gray")
    protected = catalogue[catalogue.id.isin(disclosure.protected_indicators(catalogue))]
    if public:
        st.write("This is the public dashboard. Some indicators count very few people in a small area - a victim of "
                 "domestic abuse, a sexual offence or a hate incident can be recognised from a count of one or two - "
                 "so their figures are protected before anything is shown, downloaded or put in a pack.")
    else:
        st.write("This deployment is for partners: every figure is shown as recorded. The public dashboard protects "
                 "the indicators below as this section describes, and nothing else differs.")
    st.write(f"**Protected indicators**: {', '.join(protected.name)}. Every other indicator is published as recorded.")
    st.markdown(
        f"**How.** Each protected indicator is held as one series per area, month after month (or quarter after "
        f"quarter). Before publication each series' running total is rounded down to a multiple of {STEP}, and every "
        f"figure is then added up from those rounded months: a month, the rolling 12 months, a quarter, any two periods "
        f"you compare, the county and the force, a total and its parts, rates per 1,000, percentages, changes, "
        f"trends and control charts. So:\n"
        f"- protected counts are multiples of {STEP}; a district's count for any run of months is within "
        f"{STEP - 1} of the true count, and a county or force count within a few more (its areas' roundings add up);\n"
        f"- **[c]** marks a count that rounds to 0 (a true count of 0 to {STEP - 1}, so it never means \"none\"), a "
        f"rate or percentage on fewer than {FEWEST} events (too few to be reliable), and a change that compares a "
        f"withheld figure.")
    st.markdown(
        "**What you can learn**: the size of each protected figure to within a few, its trend, and how areas compare.  \n"
        "**What you cannot learn**, even by putting every published figure together: the exact number of incidents "
        "in any area and month. Subtracting one 12-month total from the next, the county from its districts, a total "
        "from its parts, one custom period from another, or multiplying a rate by the population all give a number "
        f"made from the same rounded months, so a small count is always one of at least {STEP} possible values.")
    st.caption("The method, the attack it was tested against and what it costs in accuracy are in the project's "
               "docs/disclosure.md.")
