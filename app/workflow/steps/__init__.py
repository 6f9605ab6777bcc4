"""What each workflow action records, inside the action's transaction (never commits).

Each step gets the context (the locked claim, its unit and model, its progress row) and the
action's validated body, writes its records and returns the id of the main row it created.
The claim's state, version, audit event and outbox row are handled by the caller
(`app.workflow.service.take_action`). One module per stage of the process; each registers its
steps in `STEPS` with `@step(...)`, so every stage is imported here.
"""

from app.enums import Action
from app.workflow.steps import design, dispute, remedy, replacement, triage
from app.workflow.steps.context import STEPS, StepContext

assert set(STEPS) == set(Action), f"no step for {set(Action) - set(STEPS)}"

__all__ = ["STEPS", "StepContext", "design", "dispute", "remedy", "replacement", "triage"]
