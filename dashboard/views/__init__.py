"""The dashboard's page scripts, run by ``st.navigation`` from ``dashboard/app.py``.

The folder is deliberately not called ``pages/``: Streamlit treats a ``pages/``
folder next to the main script as an old-style multipage app until some session
has run ``st.navigation``, so on a fresh server the first visitor of a deep link
would get the wrong page.
"""
