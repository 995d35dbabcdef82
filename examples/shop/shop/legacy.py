"""The multi-step checkout the new flow replaces."""


def multi_step_checkout(cart, user):
    return {"total": cart.total(), "steps": ["address", "shipping", "payment"], "user": user.id}
