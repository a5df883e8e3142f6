"""The portal's PostgreSQL backend: Django's own, with kept connections checked without a round trip when they
were just used (``base.DatabaseWrapper``). The settings use it whenever ``DATABASE_URL`` names PostgreSQL."""
