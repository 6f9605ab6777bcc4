"""Formal letters: the kinds and their fields, the sign-off lifecycle and rendering (pure), and on
the database drafting and prefill, sign-off, issue with a frozen PDF, and delivery.
"""
