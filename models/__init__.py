"""Ledger: SQLModel tables, sessions, the store, routing and the task lifecycle. No Prefect."""
