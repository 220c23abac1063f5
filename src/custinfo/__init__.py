"""custinfo: a customer-information manager over a local encrypted database."""

__version__ = "0.1.0"
