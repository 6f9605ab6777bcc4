"""Corrective actions in the 8D discipline: opened from recurring defects or claims, worked to a
verified fix (docs/corrective-actions.md)."""
