"""Translation: gettext catalogs read strictly and written as msgmerge does, their checks, message
extraction, and clinicians' sign-off of safety-critical translations."""
