"""On-demand sharing (按需共享): requests answered within working-day limits, grants and the exchange API."""
