"""Page -> file: the output formats (PDF, PDF/UA, HTML), the print-safe area, patient packets."""
