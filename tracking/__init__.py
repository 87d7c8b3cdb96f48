"""Landslide scar tracking: scenes -> one grid -> harmonised frames -> SAM2 or baseline -> measures.

This package never imports Streamlit (only ``tracking.ui`` does).
"""

__version__ = "0.1.0"
