"""Versioned contracts of the events each bounded context publishes; consumers depend on these only."""

from continuum.contracts.base import ContractCatalog, ContractPart, EventContract

__all__ = ["ContractCatalog", "ContractPart", "EventContract"]
