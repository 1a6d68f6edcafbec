"""Atelier fabric domain: photo → tileable PBR maps (scan, tileable, maps, report) and the fabric catalog."""
