"""planner: the rollout planner for keyless home care in Stockholm."""
