"""The claims process: the pure state machine (`machine.py`, with `rules.py`), what each action
records (`steps/`), the use case that takes an action (`service.py`), the claim as a caller sees
it with the actions now allowed (`claim_view.py`), messages that resume a claim, the design
department's referrals, and the machine described for people (`info.py`).
"""
