"""The Racing API client: the only code that talks HTTP to The Racing API."""
