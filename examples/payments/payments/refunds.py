"""Refunds: instant when the flag is on, else queued for the nightly batch."""

from openfeature import api

client = api.get_client("payments")


def refund(payment, queue):
    if client.get_boolean_value("instant-refunds", False):
        return payment.refund_now()
    return queue.put(payment)


def card_fee(amount):
    percent = client.get_float_value("fee-percent", 2.5)
    return amount * percent / 100
