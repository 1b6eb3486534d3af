"""Publishers: functions of the archive that write Atom feeds, OPML, the index page and JSON
Lines dumps. They read the archive; they never crawl."""
