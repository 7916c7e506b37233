"""One module per command besides build: check, serve, new, i18n."""
