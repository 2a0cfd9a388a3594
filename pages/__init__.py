"""The dashboard's pages: one script per page, run by app.py's ``st.navigation``.

Only the page scripts sit directly in this folder: Streamlit lists every ``*.py`` here
as a page when it serves a request before app.py has run (see ``_shared/shell.py``).
Their helpers live in ``_shared/``.
"""
