"""Mail pages: the dashboard (matrix, totals, charts, sync status), the message list and bulk actions."""
