"""Rendering: cameras, rasteriser, control maps, preview shading, turntables, GLB/OBJ export."""
