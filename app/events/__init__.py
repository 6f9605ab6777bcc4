"""Events out: the outbox written in the caller's transaction, signed webhooks and their
subscriptions, outbound email, and the worker that delivers them.
"""
