"""`make bench`: DealDesk's speed against the limit of its own stack (see README.md here)."""
