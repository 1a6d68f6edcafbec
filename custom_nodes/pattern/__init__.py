"""Atelier pattern domain: sewing patterns in, simulation-ready garments out.

Public API (engine modules; numpy + core dataclasses, no ComfyUI):

* ``templates.draft(measurements, TemplateSettings)`` / ``templates.grade(settings, sizes, body)``
* ``pattern_io.load_pattern(path, sidecar=None)`` (Atelier JSON, GarmentCode JSON, SVG, DXF-AAMA) /
  ``pattern_io.save_pattern(pattern, path)`` (.json, .svg, .dxf)
* ``garmentcode.load_garmentcode(path)``, ``svg_import.read_svg(path)``, ``dxf_aama.read_dxf/write_dxf``
* ``seam_infer.infer_seams(pattern)``, ``seam_infer.apply_sidecar(pattern, path)``
* ``triangulate.triangulate(pattern, edge_length=0.01)`` → ``core.garment.Garment``
* ``placement.place_garment(garment, avatar=None, measurements=None, clearance=0.02)``
* ``preview.render_pattern(pattern)``, ``preview.render_grading_nest(graded)``, ``preview.render_placed(garment)``

Nodes live in ``nodes.py``; widget definitions come from ``params.py``.
"""
