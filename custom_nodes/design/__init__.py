"""Designs a team can keep: versioned design documents in SQLite (default) or PostgreSQL, with media files,
and the ComfyUI nodes that load a saved design into a workflow and record its results.

The store lives here (not in ``studio/``) because the nodes need it and the pack never imports the studio;
``studio.designs`` re-exports it unchanged. The API in one place::

    from custom_nodes.design import DesignStore      # or: from studio.designs import DesignStore
    from custom_nodes.core.design import Design

    store = DesignStore()                       # user_data_dir()/designs.sqlite, or $ATELIER_DB_URL
    v1 = store.create(Design.new("Boxy tee", "tshirt", "M", "cotton_jersey"), author="ana")
    v2 = store.save(v1.design_id, new_design, author="ben", message="more ease", parent=v1.id)
    [str(c) for c in store.diff(v1.id, v2.id)]  # ['chest ease 10 → 12 cm']

``load.py`` turns a stored version into what the pack's nodes take (pattern, fabric with its prints, body
measurements, node settings); ``nodes.py`` holds AtelierLoadDesign and AtelierSaveDesign. See
docs/designs.md for the storage layout, PostgreSQL set-up and backups.
"""

from __future__ import annotations

from .diff import Change, diff_designs
from .errors import DesignNotFound, DesignsDatabaseError, MediaMissing, NotADesignsDatabase
from .media import MediaStore
from .store import DesignStore, DesignSummary, Version, default_author

__all__ = ["Change", "DesignNotFound", "DesignStore", "DesignSummary", "DesignsDatabaseError", "MediaMissing",
           "MediaStore", "NotADesignsDatabase", "Version", "default_author", "diff_designs"]
