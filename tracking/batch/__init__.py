"""Many landslides at once: an inventory tracked through one scene stack on Dask distributed.

inventory (read the outlines) -> window (where to read, which frame to prompt) -> task (one
landslide, on a worker) -> runner (Dask) -> combine and report (the combined outputs); job ties them.
"""
