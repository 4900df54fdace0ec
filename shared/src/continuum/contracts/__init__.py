"""Versioned contracts of the events each bounded context publishes; consumers depend on these only.

The contract modules are plain data; `continuum.contracts.catalog` validates, dumps and describes them.
"""

from continuum.contracts.base import ContractPart, EventContract

__all__ = ["ContractPart", "EventContract"]
