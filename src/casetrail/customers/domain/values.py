"""Value objects of the customer directory."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5


class Tier(StrEnum):
    STANDARD = "standard"
    VIP = "vip"


class ExternalSystem(StrEnum):
    """The systems whose customer ids casetrail keeps (a customer imported from Shopify,
    Gorgias, ... is found again by that id). Another system is a new member here."""

    SHOPIFY = "shopify"
    GORGIAS = "gorgias"
    ZENDESK = "zendesk"
    FRESHDESK = "freshdesk"
    INTERCOM = "intercom"
    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"
    STRIPE = "stripe"
    MAGENTO = "magento"
    WOOCOMMERCE = "woocommerce"


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    # Merged into another customer (the survivor): it answers with a pointer to it.
    MERGED = "merged"


# Stream ids are derived from the customer's own id (text, e.g. the token's subject) and
# from an external id, so that both are found without an index of our own.
_CUSTOMER_STREAMS = UUID("6f1d0c2e-8a43-4c59-9b1e-3d2f7a5c8e01")
_EXTERNAL_ID_STREAMS = UUID("2b7e4f90-1c6d-4a8e-a3f5-9d0c8b7e6a12")


def customer_stream_id(customer_id: str) -> UUID:
    return uuid5(_CUSTOMER_STREAMS, customer_id)


def external_id_stream_id(system: str, value: str) -> UUID:
    return uuid5(_EXTERNAL_ID_STREAMS, f"{system}:{value}")
