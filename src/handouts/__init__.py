"""handouts: print patient handouts in each patient's language, branded per clinic."""

__version__ = "0.1.0"
