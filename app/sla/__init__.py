"""Service levels: the pure clock (`clock.py`, working time that pauses), the clock stored per
claim and the sweep that flags, escalates and reminds (`service.py`, `reminders.py`).
"""
