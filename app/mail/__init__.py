"""Email in: parsing (pure), the gateway's authentication, intake with raw-first storage, filing
into a claim (threading), and the queue of emails that need a person.
"""
