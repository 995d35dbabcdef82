"""Checkout: the new one-page flow is fully rolled out but the old one is still here."""

from __future__ import annotations

from shop.features import EXPRESS_SHIPPING
from shop.flags import flag_enabled
from shop.legacy import multi_step_checkout


def checkout(cart, user):
    if flag_enabled("new-checkout"):
        return one_page_checkout(cart, user)
    else:
        return multi_step_checkout(cart, user)


def one_page_checkout(cart, user):
    total = cart.total()
    options = shipping_options(cart)
    return {"total": total, "shipping": options, "user": user.id}


def shipping_options(cart):
    options = ["standard"]
    if flag_enabled(EXPRESS_SHIPPING) and cart.weight < 20:
        options.append("express")
    return options


def can_pay_by_card():
    return not flag_enabled("payments-kill-switch")
