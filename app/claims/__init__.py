"""The claims register: registration and its gap-free numbers, idempotency, customers,
reading and listing, messages, attachments and the audit trail. It knows nothing of the
workflow's rules: what a caller may do next is added above, in `app.workflow`.
"""
