"""What keeps changing: followed files and rotations, other nodes over ssh, journals."""
