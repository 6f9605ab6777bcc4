"""Reports for the quality department, management and accounting."""
