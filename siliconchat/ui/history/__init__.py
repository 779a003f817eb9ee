"""The TUI's side of the history: the link to the store (``link``: opening it, saving, the sidebar, search,
renaming, deleting, transcripts) and showing a saved conversation again (``reopen``)."""
