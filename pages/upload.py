"""Upload data: an analyst drops files, sees the dry-run report, and confirms the load.

Only listed in the navigation for a viewer who may load: an analyst or administrator where people sign
in, else a deployment that sets LSCSB_ALLOW_UPLOAD=1 (and not LSCSB_PUBLIC). The page checks the viewer
again on every run, and so before the load itself. The load goes through the same validating,
all-or-nothing loader as the command line, and is recorded in the audit trail under the viewer's name.
"""
import hashlib

import pandas as pd
import streamlit as st

from lscsb_data import loaders, resolve_db_path
from pages.shared import access, cache, frame

frame.enter()

UPLOAD_FLAG = "LSCSB_ALLOW_UPLOAD"
PROBLEM_COLUMNS = {"file": "File", "row": "Row", "column": "Column", "value": "Value", "reason": "Problem"}

st.title("Upload data")
viewer = access.viewer()
# why: a public deployment never accepts writes, even if the upload switch is set by mistake
if not viewer.can_upload or viewer.public:
    st.error("Uploading needs an analyst's or administrator's sign-in." if access.sign_in_configured() else
             f"Uploading is switched off for this deployment ({UPLOAD_FLAG} is not set, or LSCSB_PUBLIC is): "
             "the dashboard only reads.")
    st.stop()

st.write("Load a month of police.uk files (a single CSV or the zip archive data.police.uk serves), ONS mid-year "
         "population estimates, or a partner extract in the tidy format "
         "(`indicator,area_code,period,numerator,denominator`). Every file is checked first and nothing is written "
         "until you confirm; a file with any invalid row loads nothing.")
uploaded = st.file_uploader("Files to load", type=["csv", "zip"], accept_multiple_files=True, key="upload_files")
source = st.text_input("Source label (optional)", key="upload_source",
                       help="Recorded with the load, e.g. 'police.uk' or 'MARAC extract'; defaults to the file's format.")
confirm_fewer = st.checkbox(
    "Replace months with far fewer rows", key="upload_confirm_fewer",
    help="A police.uk month that would replace a held one with under 80% of its rows (or leave a district with under half) "
         "is refused as probably partial. Tick this only after checking the file against data.police.uk.")
if not uploaded:
    st.stop()

inputs = [loaders.InputFile(f.name, f.getvalue()) for f in uploaded]
batch = hashlib.sha256(b"".join(hashlib.sha256(i.data).digest() + i.name.encode() for i in inputs)
                       + bytes([confirm_fewer])).hexdigest()
db_path = resolve_db_path()
say = st.empty()

st.subheader("Check (nothing written yet)")
try:
    with st.spinner("Checking the files..."):
        reports = loaders.load_files(db_path, inputs, source_label=source or None, dry_run=True,
                                     progress=lambda message: say.caption(message), confirm_fewer_rows=confirm_fewer)
except loaders.LoadError as error:
    st.error(f"Nothing can be loaded: {len(error.problems):,} problem{'s' if len(error.problems) > 1 else ''} "
             "found. Correct the file and upload it again.", icon=":material/error:")
    problems = pd.DataFrame([vars(p) for p in error.problems]).reindex(columns=list(PROBLEM_COLUMNS))
    st.dataframe(problems.rename(columns=PROBLEM_COLUMNS), hide_index=True, width="stretch")
    st.stop()
say.empty()
st.code("\n".join(report.summary_line() for report in reports), language=None, wrap_lines=True)
if all(report.skipped for report in reports):
    st.info("The database already holds exactly these figures: there is nothing to load.")
    st.stop()

if st.session_state.get("upload_done") == batch:
    st.success("Loaded. Every page now shows the new figures.", icon=":material/check_circle:")
    st.stop()
if st.button("Load these files", type="primary", key="upload_confirm", icon=":material/upload:"):
    with st.status("Loading...", expanded=True) as status:
        try:
            loaded = loaders.load_files(db_path, inputs, source_label=source or None, who=access.viewer().who,
                                        progress=lambda message: status.write(message), confirm_fewer_rows=confirm_fewer)
        except loaders.LoadError as error:
            status.update(label="Nothing was loaded", state="error")
            st.error(str(error))
            st.stop()
        status.update(label="Loaded", state="complete")
    st.session_state["upload_done"] = batch
    st.success("Loaded: " + "; ".join(f"{r.file} (load {r.load_id})" for r in loaded if not r.skipped),
               icon=":material/check_circle:")
    st.caption(f"Database: {cache.identity()[0]}. Every page shows the new figures from its next refresh.")
