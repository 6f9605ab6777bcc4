"""Suppliers, kept like customers, and the claims the company makes against them when a purchased
component is at the root of a defect (docs/suppliers.md)."""
