"""Custom scrapy commands: ``scrapy extract`` (and, as they come, update, publish, export)."""
