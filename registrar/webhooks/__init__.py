"""The webhook edge: signs and POSTs the queued deliveries (services/webhooks.py queues them)."""
