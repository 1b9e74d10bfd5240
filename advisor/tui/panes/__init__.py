"""One module per tab; each pane shows the current Report and posts messages up."""
