"""Sandbox models: added with the playground issue."""
