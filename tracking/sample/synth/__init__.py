"""The synthetic landslide world behind the sample series (``tracking.sample.series``).

One valley on a synthetic DEM, land cover with seasons, one landslide scar that
creeps, fails and keeps growing, clouds, and a sensor model per acquisition.
Every module works on the padded "world grid" (10 m pixels) described by
:class:`tracking.sample.synth.layout.Layout`; the reference grid is its centre crop.
"""
