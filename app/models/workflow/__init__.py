"""Request and response schemas of the workflow's endpoints: one request body per action, one
module per stage of the process (`triage`, `design`, `remedy`, `closure`), the table of bodies
by action (`bodies`), responses and the records view. The tables the actions write are in
`app/models/workflow_records.py`."""
