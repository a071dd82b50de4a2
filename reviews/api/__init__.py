"""REST API of the weekly review, by topic: `items` (review items) and `webhooks`."""

from .items import ReviewItemViewSet
from .webhooks import WebhookViewSet

__all__ = ["ReviewItemViewSet", "WebhookViewSet"]
