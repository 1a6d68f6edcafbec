"""Run by ComfyUI at start-up, before it imports any pack (``main.py: execute_prestartup_script``).

Puts the workflow templates' sample inputs into ComfyUI's input folder, so a template from
Workflow → Browse Templates → atelier runs as loaded. The work is done by
``custom_nodes/core/samples.py`` (loaded by path: ComfyUI has a ``custom_nodes`` package of its own);
files already in the input folder are never overwritten.
"""

import importlib.util
import os


def _install_samples() -> None:
    import folder_paths  # ComfyUI's; its input folder is set (--input-directory) before this runs

    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("atelier_samples",
                                                  os.path.join(here, "custom_nodes", "core", "samples.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install_samples(folder_paths.get_input_directory())


_install_samples()
