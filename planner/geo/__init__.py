"""Addresses, geocoding, districts, CRS and map layers."""
