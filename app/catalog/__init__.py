"""Product models, the sold-units registry and its CSV import, and the warranty: the pure rules
(`warranty.py`) and the check on the database (`warranty_check.py`).
"""
