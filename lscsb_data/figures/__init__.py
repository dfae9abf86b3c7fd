"""The figures side: the database, the named query API, statistics, control charts, disclosure control
and commentary storage. Nothing here imports the presentation side or streamlit."""
