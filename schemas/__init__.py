"""The BACKBEAT v1 JSON Schemas and cross-field rules, shipped as package data."""
