"""API resources; each module exports its ROUTES (assembled in `stripe_sandbox.api`)."""
