"""E-mail to guests, the edge above the domain: it reads the outbox the rules write to, then
renders (render), sends (backends, delivery) and offers the organizer's campaigns (campaigns)."""
