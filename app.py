"""The dashboard: `streamlit run app.py`. The frame (pages/shared/frame.py) sets up the page list, the sidebar
filters kept in the URL and the "data as at" lines, then runs the page the URL names."""
from pages.shared import frame

frame.run()
