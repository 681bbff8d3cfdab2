"""The archive: its state, its lock and run statuses, the Scrapy extension, the document format."""
