"""The Report data model and its renderers (terminal, Markdown, JSON, HTML).

``model`` and ``jsonout`` are core (no Rich); the terminal renderer is the only
module here that imports Rich, and only inside its functions.
"""
