"""ministry-feeds: the Scrapy project that crawls foreign ministries into a versioned archive."""

__version__ = "0.1.0"
