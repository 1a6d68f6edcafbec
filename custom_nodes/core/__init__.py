"""Shared types, units, errors, progress, tensor bridge and mesh I/O used by every Atelier domain."""
