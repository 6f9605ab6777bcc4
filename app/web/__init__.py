"""The public web pages: the claim form and the status page, with their CSRF, rate limit and
translations, and the use cases behind them (`service.py`, `submission.py`).
"""
