"""What a log's path and name say: its component, its rotation, its pod."""
