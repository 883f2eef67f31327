"""Orchestration only: each pipeline calls the components in order and holds no logic."""
