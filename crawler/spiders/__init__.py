"""Spiders: navigation only. Parsing lives in crawler.pages."""
