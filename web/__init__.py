"""The review web pages: server-rendered, Simplified Chinese, on the same ledger database."""
