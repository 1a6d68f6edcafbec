"""Cloth simulation: fabrics, the Taichi XPBD solver, sewing, collision and the drape quality report."""
