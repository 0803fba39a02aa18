"""Who may use the directory: staff manage customers, a customer reads only themselves,
analysts read through Trino's masked view (never here)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from casetrail.platform.http.permissions import require
from casetrail.platform.http.principals import Principal, Role, Scope

_reads_customers = require(Role.AGENT, Role.SUPERVISOR, Role.CUSTOMER, scope=Scope.CUSTOMERS_READ)
_manages_customers = require(Role.AGENT, Role.SUPERVISOR, scope=Scope.CUSTOMERS_WRITE)
# The audit trail: staff (and services that may read customers), never the customer.
_reads_customer_history = require(Role.AGENT, Role.SUPERVISOR, scope=Scope.CUSTOMERS_READ)

ReadsCustomers = Annotated[Principal, Depends(_reads_customers)]
READS_CUSTOMERS = Depends(_reads_customers)
ManagesCustomers = Annotated[Principal, Depends(_manages_customers)]
MANAGES_CUSTOMERS = Depends(_manages_customers)
READS_CUSTOMER_HISTORY = Depends(_reads_customer_history)
