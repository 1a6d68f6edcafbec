"""Moved to ``custom_nodes/design/media.py`` so the ComfyUI design nodes can use it (custom_nodes/ never imports
studio/). This name stays an alias of that very module: imports, attributes and monkeypatching all reach it."""

import sys

from custom_nodes.design import media as _module

sys.modules[__name__] = _module
