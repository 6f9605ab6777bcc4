"""Reports for the quality department, management and accounting: summary, recurring defects,
costs (and their recording), exports and the dashboard's charts.
"""
