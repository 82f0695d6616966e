"""File -> Document -> FindingDraft. Plain Python: no database, no Prefect."""
