"""Records of many files as one stream: merged by time, filtered, marked, and tied by request and resource."""
