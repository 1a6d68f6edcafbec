"""Designs a team can keep: versioned design documents in SQLite (default) or PostgreSQL, with media files.

The API in one place::

    from studio.designs import DesignStore
    from custom_nodes.core.design import Design

    store = DesignStore()                       # user_data_dir()/designs.sqlite, or $ATELIER_DB_URL
    v1 = store.create(Design.new("Boxy tee", "tshirt", "M", "cotton_jersey"), author="ana")
    v2 = store.save(v1.design_id, new_design, author="ben", message="more ease", parent=v1.id)
    [str(c) for c in store.diff(v1.id, v2.id)]  # ['chest ease 10 → 12 cm']
    store.search(garment="tshirt", fabric="denim", season="ss27", text="boxy")
    store.fork(v2.id, name="Boxy tee, cropped")
    export_design(store, v2.id, "out/boxy_tee.zip")

The store itself lives in ``custom_nodes/design`` (the ComfyUI design nodes use it, and the pack never
imports the studio); this package re-exports it and adds the export (``export.py``). See docs/designs.md
for the storage layout, PostgreSQL set-up and backups.
"""

from __future__ import annotations

from custom_nodes.design import (
    Change,
    DesignNotFound,
    DesignsDatabaseError,
    DesignStore,
    DesignSummary,
    MediaMissing,
    MediaStore,
    NotADesignsDatabase,
    Version,
    default_author,
    diff_designs,
)

__all__ = ["Change", "DesignNotFound", "DesignStore", "DesignSummary", "DesignsDatabaseError", "MediaMissing",
           "MediaStore", "NotADesignsDatabase", "Version", "default_author", "diff_designs"]
