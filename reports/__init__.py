"""Read-only views of the ledger rendered to files: HTML/Word reports, Excel ledger, exports."""
