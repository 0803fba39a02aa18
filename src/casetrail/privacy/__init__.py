"""Crypto-shredding, erasure, export and masking of personal data."""
