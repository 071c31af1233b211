"""Delivery assets (exports, report), re-exported for the definitions."""

from pipelines.delivery.assets import DELIVERY_ASSETS

__all__ = ["DELIVERY_ASSETS"]
