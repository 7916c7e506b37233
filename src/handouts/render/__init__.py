"""One job's page: the handout, its translations and the clinic's branding as HTML (Jinja2 in a
sandbox), and the print variants that change it."""
