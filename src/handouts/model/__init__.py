"""A project on disk: its folders over the packaged library, and its clinics and handouts loaded and checked."""
