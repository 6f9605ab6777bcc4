"""Customers as master data: organisations and private persons, their contacts, matching a
claim's customer at intake, and the department's edits, merges and audit trail."""
