"""Plain helpers the tests import by name: generated scenes, frames, tracks, engines, AppTest runs.

pytest fixtures live in the conftest.py files beside the tests that use them; these modules hold
only functions, classes and constants, so importing one never changes which fixtures a test sees.
"""
