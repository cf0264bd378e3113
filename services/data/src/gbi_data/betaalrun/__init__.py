"""The payment run's part of the data service: tables, bulk SQL, internal routes, and the population generator."""
