"""Contact-center KPIs next to health: import, the agent-day join, comparisons, locations."""
