"""Fraud checks, with the rules chosen by LaunchDarkly."""

import ldclient
from ldclient import Context

from payments.catalog import catalog


def rules_for(user_id):
    context = Context.builder(user_id).kind("user").build()
    if ldclient.get().variation("fraud-rules-v2", context, False):
        return "v2"
    return "v1"


def price(sku):
    # not a flag: the catalog's own variation() is unrelated to LaunchDarkly
    return catalog.variation(sku, "eu", 0)
