"""The encrypted store: connection handling, schema migrations and the customer repository."""

from custinfo.store.db import APPLICATION_ID, Database, create_database, open_database
from custinfo.store.repo import Store

__all__ = ["APPLICATION_ID", "Database", "Store", "create_database", "open_database"]
