"""Flags that gate whole features, named once."""

from enum import Enum


class Feature(str, Enum):
    BETA_DASHBOARD = "beta-dashboard"
    LOYALTY = "loyalty-points"


EXPRESS_SHIPPING = "express-shipping"
