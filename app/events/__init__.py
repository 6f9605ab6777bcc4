"""Events out: signed webhooks, outbound email, the outbox worker."""
