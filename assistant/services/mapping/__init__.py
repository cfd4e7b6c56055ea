"""Digital mapping: requests as the comms team works them, the crawl and the report."""
